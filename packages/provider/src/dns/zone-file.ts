/**
 * Pure editor for BIND master-format zone files: text in, text out, no I/O.
 *
 * Only three kinds of change are ever made: a TXT record line is appended, whole TXT record
 * entries are removed, and the SOA serial token is replaced. Every other byte (comments, layout,
 * other records, line endings) is left exactly as it was, so a diff of the repository shows only
 * the challenge records and the serial.
 *
 * Record lines written here: `<owner> 600 IN TXT "<value>"` with the owner relative to the zone
 * (absolute, with a trailing dot, if a `$ORIGIN` directive left the origin elsewhere at the end of
 * the file). Names passed in are absolute, lowercase and without the trailing dot.
 */

export const RECORD_TTL = 600;
const MAX_SERIAL = 0xffff_ffff;

/** A zone file cannot be edited safely (bad input or a file we cannot make sense of). */
export class ZoneFileError extends Error {
  override readonly name = "ZoneFileError";
}

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

/** One logical entry: a directive or a resource record, possibly spanning lines in parentheses. */
interface Entry {
  readonly start: number;
  /** Offset just past the entry's last line terminator (or the end of the text). */
  readonly end: number;
  readonly blankOwner: boolean;
  readonly tokens: readonly Token[];
}

const SAFE_VALUE = /^[\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]{1,255}$/;
const TTL_TOKEN = /^\d+([smhdw]\d*)*$/i;
const CLASS_TOKEN = /^(IN|CH|HS|CS)$/i;

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const SEMICOLON = 59;
const OPEN = 40;
const CLOSE = 41;
const BACKSLASH = 92;

/** Characters that end an unquoted token. */
function isDelimiter(code: number): boolean {
  return (
    code === SPACE ||
    code === TAB ||
    code === CR ||
    code === NL ||
    code === SEMICOLON ||
    code === OPEN ||
    code === CLOSE ||
    code === QUOTE
  );
}

/**
 * Splits zone text into entries, following RFC 1035 section 5.1 lexical rules. A generator, so
 * that a caller looking for one record (the SOA, near the top) stops lexing when it has it.
 */
function* lex(text: string): Generator<Entry> {
  let tokens: Token[] = [];
  let entryStart = 0;
  let blankOwner = false;
  let depth = 0;
  let atLineStart = true;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (atLineStart && depth === 0) {
      entryStart = i;
      blankOwner = c === SPACE || c === TAB;
    }
    atLineStart = false;
    if (c === NL) {
      i += 1;
      atLineStart = true;
      if (depth === 0) {
        yield { start: entryStart, end: i, blankOwner, tokens };
        tokens = [];
        entryStart = i;
      }
      continue;
    }
    if (c === SPACE || c === TAB || c === CR) {
      i += 1;
      continue;
    }
    if (c === SEMICOLON) {
      while (i < n && text.charCodeAt(i) !== NL) i += 1;
      continue;
    }
    if (c === OPEN) {
      depth += 1;
      i += 1;
      continue;
    }
    if (c === CLOSE) {
      depth = Math.max(0, depth - 1);
      i += 1;
      continue;
    }
    const start = i;
    if (c === QUOTE) {
      i += 1;
      for (;;) {
        if (i >= n) break;
        const q = text.charCodeAt(i);
        if (q === QUOTE || q === NL) break;
        i += q === BACKSLASH ? 2 : 1;
      }
      const close = Math.min(i, n);
      tokens.push({ text: text.slice(start + 1, close), start, end: close + 1, quoted: true });
      if (text.charCodeAt(i) === QUOTE) i += 1;
      continue;
    }
    while (i < n) {
      const t = text.charCodeAt(i);
      if (isDelimiter(t)) break;
      i += t === BACKSLASH ? 2 : 1;
    }
    tokens.push({ text: text.slice(start, i), start, end: i, quoted: false });
  }
  if (entryStart < n || tokens.length > 0) yield { start: entryStart, end: n, blankOwner, tokens };
}

function absoluteName(name: string, origin: string): string {
  if (name === "@") return origin;
  if (name.endsWith(".")) return name.slice(0, -1).toLowerCase();
  return origin === "" ? name.toLowerCase() : `${name.toLowerCase()}.${origin}`;
}

interface RecordView {
  readonly entry: Entry;
  /** Absolute owner (a blank owner field repeats the previous record's owner). */
  readonly owner: string;
  readonly explicitOwner: boolean;
  readonly type: string;
  readonly rdata: readonly Token[];
}

interface ZoneView {
  readonly records: readonly RecordView[];
  /** `$ORIGIN` in effect at the end of the text (where new lines are appended). */
  readonly endOrigin: string;
}

/** The records in file order; returns the `$ORIGIN` in effect at the end. */
function* recordsOf(text: string, zone: string): Generator<RecordView, string> {
  let origin = zone;
  let lastOwner = zone;
  for (const entry of lex(text)) {
    const first = entry.tokens[0];
    if (first === undefined) continue;
    if (!entry.blankOwner && first.text.startsWith("$") && !first.quoted) {
      const arg = entry.tokens[1];
      if (first.text.toUpperCase() === "$ORIGIN" && arg !== undefined)
        origin = absoluteName(arg.text, origin);
      continue;
    }
    let k = 0;
    let owner = lastOwner;
    if (!entry.blankOwner) {
      owner = absoluteName(first.text, origin);
      k = 1;
    }
    lastOwner = owner;
    for (let skipped = 0; skipped < 2; skipped += 1) {
      const t = entry.tokens[k];
      if (t === undefined || t.quoted || !(TTL_TOKEN.test(t.text) || CLASS_TOKEN.test(t.text))) break;
      k += 1;
    }
    const typeToken = entry.tokens[k];
    if (typeToken === undefined) continue;
    yield {
      entry,
      owner,
      explicitOwner: !entry.blankOwner,
      type: typeToken.text.toUpperCase(),
      rdata: entry.tokens.slice(k + 1),
    };
  }
  return origin;
}

function view(text: string, zone: string): ZoneView {
  const records: RecordView[] = [];
  const it = recordsOf(text, zone);
  for (;;) {
    const next = it.next();
    if (next.done === true) return { records, endOrigin: next.value };
    records.push(next.value);
  }
}

/** The first SOA record, lexing no further than it. */
function firstSoa(text: string, zone: string): RecordView | undefined {
  for (const r of recordsOf(text, zone)) if (r.type === "SOA") return r;
  return undefined;
}

function requireName(zone: string, fqdn: string): void {
  if (zone === "" || !(fqdn === zone || fqdn.endsWith(`.${zone}`))) {
    throw new ZoneFileError(`${fqdn} is not inside zone ${zone}`);
  }
}

function requireValue(value: string): void {
  if (!SAFE_VALUE.test(value)) {
    throw new ZoneFileError(
      "TXT value must be 1-255 printable ASCII characters without quotes, backslash or ';'",
    );
  }
}

/** A TXT record we own: explicit owner, one quoted string, so removing its entry is exact. */
function isSimpleTxt(record: RecordView, fqdn: string): boolean {
  return (
    record.explicitOwner &&
    record.type === "TXT" &&
    record.owner === fqdn &&
    record.rdata.length === 1 &&
    record.rdata[0]?.quoted === true
  );
}

/** The single-string TXT values of `fqdn`, in file order. */
export function listTxtValues(text: string, zone: string, fqdn: string): string[] {
  requireName(zone, fqdn);
  return view(text, zone)
    .records.filter((r) => isSimpleTxt(r, fqdn))
    .map((r) => (r.rdata[0] as Token).text);
}

function lineEnding(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

/** Appends `<owner> 600 IN TXT "<value>"` unless that value is already there. */
export function addTxtValue(text: string, zone: string, fqdn: string, value: string): string {
  requireName(zone, fqdn);
  requireValue(value);
  const zv = view(text, zone);
  if (zv.records.some((r) => isSimpleTxt(r, fqdn) && r.rdata[0]?.text === value)) return text;
  const eol = lineEnding(text);
  const sep = text === "" || text.endsWith("\n") ? "" : eol;
  return `${text}${sep}${ownerField(zv.endOrigin, zone, fqdn)} ${RECORD_TTL} IN TXT "${value}"${eol}`;
}

function ownerField(endOrigin: string, zone: string, fqdn: string): string {
  if (endOrigin !== zone) return `${fqdn}.`;
  if (fqdn === zone) return "@";
  return fqdn.slice(0, fqdn.length - zone.length - 1);
}

/** Removes the TXT entry holding `value` for `fqdn`, or all its single-string TXT entries. */
export function removeTxtValue(text: string, zone: string, fqdn: string, value?: string): string {
  requireName(zone, fqdn);
  const doomed = view(text, zone).records.filter(
    (r) => isSimpleTxt(r, fqdn) && (value === undefined || r.rdata[0]?.text === value),
  );
  if (doomed.length === 0) return text;
  let out = "";
  let from = 0;
  for (const r of doomed) {
    out += text.slice(from, r.entry.start);
    from = r.entry.end;
  }
  return out + text.slice(from);
}

/** `YYYYMMDD` of a date in UTC. */
export function formatSerialDate(date: Date): string {
  const y = date.getUTCFullYear().toString().padStart(4, "0");
  const m = (date.getUTCMonth() + 1).toString().padStart(2, "0");
  const d = date.getUTCDate().toString().padStart(2, "0");
  return `${y}${m}${d}`;
}

function isDateSerial(serial: string): boolean {
  if (!/^\d{10}$/.test(serial)) return false;
  const year = Number(serial.slice(0, 4));
  const month = Number(serial.slice(4, 6));
  const day = Number(serial.slice(6, 8));
  if (year < 1970 || year > 2100 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The serial after `current`. Date-form serials (`YYYYMMDDnn`) move to `<today>00` when that is
 * later, otherwise they count up like any other serial: +1 modulo 2^32, which RFC 1982 serial
 * arithmetic orders after the old value, so secondaries still see a newer zone after the wrap.
 */
export function nextSerial(current: string, today: string): string {
  if (!/^\d+$/.test(current) || Number(current) > MAX_SERIAL) {
    throw new ZoneFileError(`SOA serial ${current} is not a number between 0 and ${MAX_SERIAL}`);
  }
  const value = Number(current);
  if (isDateSerial(current) && /^\d{8}$/.test(today)) {
    const todayFirst = Number(`${today}00`);
    if (todayFirst > value && todayFirst <= MAX_SERIAL) return `${today}00`;
  }
  const next = (value + 1) % (MAX_SERIAL + 1);
  // Keep the token's width when it was zero-padded, so only the digits change.
  return next.toString().padStart(current.startsWith("0") ? current.length : 0, "0");
}

/** True when `b` is after `a` in RFC 1982 serial number arithmetic (SERIAL_BITS = 32). */
export function serialIsAfter(a: number, b: number): boolean {
  const half = 2 ** 31;
  return (a < b && b - a < half) || (a > b && a - b > half);
}

/**
 * Throws ZoneFileError when the file has no SOA record: no DNS server would load it, so a record
 * written there would never be served, and the change must fail rather than "succeed".
 */
export function requireSoaRecord(text: string, zone: string): void {
  if (firstSoa(text, zone) === undefined)
    throw new ZoneFileError(`it has no SOA record for zone ${zone}, so no DNS server would load it`);
}

/** The SOA serial token of the zone, or undefined when the file has no SOA record. */
export function readSoaSerial(text: string, zone: string): string | undefined {
  return firstSoa(text, zone)?.rdata[2]?.text;
}

/** Replaces the SOA serial with its successor; text without an SOA record is returned as is. */
export function bumpSoaSerial(text: string, zone: string, today: string): string {
  const soa = firstSoa(text, zone);
  if (soa === undefined) return text;
  const serial = soa.rdata[2];
  if (serial === undefined || serial.quoted) {
    throw new ZoneFileError(`the SOA record of zone ${zone} has no serial field`);
  }
  return text.slice(0, serial.start) + nextSerial(serial.text, today) + text.slice(serial.end);
}

export type TxtChange =
  | { readonly kind: "present"; readonly fqdn: string; readonly value: string }
  | { readonly kind: "cleanup"; readonly fqdn: string; readonly value: string | undefined };

/** Throws ZoneFileError when the change cannot go into this zone's file. */
export function validateTxtChange(zone: string, change: TxtChange): void {
  requireName(zone, change.fqdn);
  if (change.kind === "present" || change.value !== undefined) requireValue(change.value as string);
}

/**
 * Applies changes in order with one parse of the text, however many there are (a batch may
 * carry hundreds for one zone). Same result as applying them one by one with applyTxtChange;
 * `changed[i]` says whether change i altered the text it was applied to.
 */
export function applyTxtChanges(
  text: string,
  zone: string,
  changes: readonly TxtChange[],
): { text: string; changed: boolean[] } {
  const plan = planTxtChanges(text, zone, changes);
  return { text: plan.kept + plan.appended, changed: plan.changed };
}

/**
 * What a batch does to one zone file, in one step: the changes applied and, when the text
 * differs, the SOA serial bumped. Equal to bumpSoaSerial(applyTxtChanges(...).text) but
 * cheaper on a large zone: when nothing was removed the serial is found in the original text and
 * the new lines are appended after it, so the whole file is neither lexed nor copied twice.
 */
export function editZone(
  text: string,
  zone: string,
  changes: readonly TxtChange[],
  today: string,
): { text: string; changed: boolean[] } {
  const plan = planTxtChanges(text, zone, changes);
  // A batch whose changes cancel out leaves the file alone: a present then a cleanup of a new
  // value, or a cleanup then a present of the value on the file's last line.
  if (plan.kept === text && plan.appended === "") return { text, changed: plan.changed };
  if (plan.kept !== text && plan.kept + plan.appended === text) return { text, changed: plan.changed };
  return { text: bumpSoaSerial(plan.kept, zone, today) + plan.appended, changed: plan.changed };
}

interface TxtPlan {
  /** The text with removed entries cut out (the original text itself when none were). */
  readonly kept: string;
  /** Lines to add at the end, with a line break first when `kept` lacks a final one. */
  readonly appended: string;
  readonly changed: boolean[];
}

function planTxtChanges(text: string, zone: string, changes: readonly TxtChange[]): TxtPlan {
  for (const c of changes) validateTxtChange(zone, c);
  const zv = needsRecords(text, changes) ? view(text, zone) : lightView(text, zone);
  const existing = zv.records.filter(
    (r) => r.explicitOwner && r.type === "TXT" && r.rdata.length === 1 && r.rdata[0]?.quoted,
  );
  const removed = new Set<RecordView>();
  const appended: { fqdn: string; value: string }[] = [];
  const changed: boolean[] = [];
  for (const c of changes) {
    const matches = (fqdn: string, value: string): boolean =>
      fqdn === c.fqdn && (c.value === undefined || value === c.value);
    if (c.kind === "present") {
      const present =
        existing.some((r) => !removed.has(r) && matches(r.owner, (r.rdata[0] as Token).text)) ||
        appended.some((a) => matches(a.fqdn, a.value));
      if (!present) appended.push({ fqdn: c.fqdn, value: c.value });
      changed.push(!present);
    } else {
      let hit = false;
      for (const r of existing) {
        if (!removed.has(r) && matches(r.owner, (r.rdata[0] as Token).text)) {
          removed.add(r);
          hit = true;
        }
      }
      for (let i = appended.length - 1; i >= 0; i -= 1) {
        const a = appended[i] as { fqdn: string; value: string };
        if (matches(a.fqdn, a.value)) {
          appended.splice(i, 1);
          hit = true;
        }
      }
      changed.push(hit);
    }
  }
  let kept = text;
  if (removed.size > 0) {
    kept = "";
    let from = 0;
    for (const r of existing) {
      if (!removed.has(r)) continue;
      kept += text.slice(from, r.entry.start);
      from = r.entry.end;
    }
    kept += text.slice(from);
  }
  let added = "";
  if (appended.length > 0) {
    const eol = lineEnding(text);
    if (kept !== "" && !kept.endsWith("\n")) added += eol;
    for (const a of appended)
      added += `${ownerField(zv.endOrigin, zone, a.fqdn)} ${RECORD_TTL} IN TXT "${a.value}"${eol}`;
  }
  return { kept, appended: added, changed };
}

/**
 * Whether any change could concern a record already in the text. A quoted value token starts
 * with `"` followed by the value, so when that string is nowhere in the text no record holds the
 * value, and the change needs no parse: the common case, a present of a fresh challenge token,
 * then costs a string search instead of lexing a zone that may hold thousands of records.
 */
function needsRecords(text: string, changes: readonly TxtChange[]): boolean {
  return changes.some((c) => c.value === undefined || text.includes(`"${c.value}`));
}

/** No records; the origin at the end is the zone unless an `$ORIGIN` may be in the text. */
function lightView(text: string, zone: string): ZoneView {
  if (/\$ORIGIN/i.test(text)) return { records: [], endOrigin: view(text, zone).endOrigin };
  return { records: [], endOrigin: zone };
}

/** Applies one change; says whether it altered the text (false: already in the wanted state). */
export function applyTxtChange(
  text: string,
  zone: string,
  change: TxtChange,
): { text: string; changed: boolean } {
  const next =
    change.kind === "present"
      ? addTxtValue(text, zone, change.fqdn, change.value)
      : removeTxtValue(text, zone, change.fqdn, change.value);
  return { text: next, changed: next !== text };
}

/**
 * The name servers the zone names for itself: the targets of its apex NS records, absolute,
 * lowercase, without the trailing dot, in file order and without repeats. A relative target is
 * taken relative to the zone (an `$ORIGIN` moved elsewhere before the apex NS records is not
 * followed; zone files put them next to the SOA).
 */
export function listNameServers(text: string, zone: string): string[] {
  const servers: string[] = [];
  for (const r of view(text, zone).records) {
    const target = r.rdata[0];
    if (r.type !== "NS" || r.owner !== zone || target === undefined || target.quoted) continue;
    const name = absoluteName(target.text, zone);
    if (!servers.includes(name)) servers.push(name);
  }
  return servers;
}

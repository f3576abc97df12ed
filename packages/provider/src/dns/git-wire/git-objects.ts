/**
 * git's object encoding (blob, tree, commit) in process: a commit of a few edited zone files
 * needs three small objects, and building them here costs microseconds where `git commit`
 * costs a process and an index refresh. Pure; ids are SHA-1 (repositories in SHA-256 format
 * are pushed with git itself, see git-command-push.ts).
 */
import { createHash } from "node:crypto";

export type ObjectType = "blob" | "tree" | "commit";

export interface GitObject {
  readonly type: ObjectType;
  readonly body: Buffer;
  /** Lower-case hex SHA-1 of `<type> <length>\0<body>`. */
  readonly id: string;
}

/** One entry of a tree; the name is kept as latin1 so any byte sequence round-trips. */
export interface TreeEntry {
  /** As git writes it in trees: `100644`, `100755`, `120000`, `160000`, `40000`. */
  readonly mode: string;
  readonly name: string;
  readonly id: string;
}

export interface Signature {
  readonly name: string;
  readonly email: string;
  readonly when: Date;
}

export class GitObjectError extends Error {
  override readonly name = "GitObjectError";
}

const SHA1_BYTES = 20;
const HEX_ID = /^[0-9a-f]{40}$/;

export function objectHeader(type: ObjectType, length: number): Buffer {
  return Buffer.from(`${type} ${length}\0`, "ascii");
}

export function gitObject(type: ObjectType, body: Buffer): GitObject {
  const id = createHash("sha1").update(objectHeader(type, body.length)).update(body).digest("hex");
  return { type, body, id };
}

export function parseTree(body: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const nul = space < 0 ? -1 : body.indexOf(0x00, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + SHA1_BYTES > body.length) {
      throw new GitObjectError(`malformed tree entry at byte ${at}`);
    }
    entries.push({
      mode: body.subarray(at, space).toString("ascii"),
      name: body.subarray(space + 1, nul).toString("latin1"),
      id: body.subarray(nul + 1, nul + 1 + SHA1_BYTES).toString("hex"),
    });
    at = nul + 1 + SHA1_BYTES;
  }
  return entries;
}

export function serializeTree(entries: readonly TreeEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (!HEX_ID.test(e.id)) throw new GitObjectError(`tree entry ${e.name} has an invalid id ${e.id}`);
    parts.push(Buffer.from(`${e.mode} `, "ascii"), Buffer.from(e.name, "latin1"), Buffer.from([0]));
    parts.push(Buffer.from(e.id, "hex"));
  }
  return Buffer.concat(parts);
}

/**
 * The tree with the named files' blobs replaced. Only existing regular files can change (the
 * store edits zone files, it never adds or removes them), so entry order, and thus git's
 * sorting rule, is untouched.
 */
export function replaceBlobs(entries: readonly TreeEntry[], blobs: ReadonlyMap<string, string>): TreeEntry[] {
  const seen = new Set<string>();
  const next = entries.map((e) => {
    const id = blobs.get(e.name);
    if (id === undefined) return e;
    if (e.mode !== "100644" && e.mode !== "100755") {
      throw new GitObjectError(`${e.name} is not a regular file in the repository (mode ${e.mode})`);
    }
    seen.add(e.name);
    return { ...e, id };
  });
  for (const name of blobs.keys()) {
    if (!seen.has(name)) throw new GitObjectError(`${name} is not in the repository's top-level tree`);
  }
  return next;
}

/** Identity text as git stores it: no angle brackets or line breaks, trimmed. */
export function cleanIdentity(text: string): string {
  return text.replace(/[<>\r\n\0]/g, "").trim();
}

function signatureLine(role: "author" | "committer", s: Signature): string {
  const seconds = Math.floor(s.when.getTime() / 1000);
  return `${role} ${cleanIdentity(s.name)} <${cleanIdentity(s.email)}> ${seconds} +0000`;
}

export interface CommitFields {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

export function commitBody(fields: CommitFields): Buffer {
  for (const id of [fields.tree, ...fields.parents]) {
    if (!HEX_ID.test(id)) throw new GitObjectError(`invalid object id ${id} in a commit`);
  }
  const message = fields.message.endsWith("\n") ? fields.message : `${fields.message}\n`;
  const lines = [
    `tree ${fields.tree}`,
    ...fields.parents.map((p) => `parent ${p}`),
    signatureLine("author", fields.author),
    signatureLine("committer", fields.committer),
    "",
    message,
  ];
  return Buffer.from(lines.join("\n"), "utf8");
}

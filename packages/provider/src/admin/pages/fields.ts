import { attr, html, type SafeHtml } from "../html.js";

export interface TextFieldOptions {
  readonly name: string;
  readonly label: string;
  readonly value?: string | undefined;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
  readonly type?: "text" | "password" | "email" | "search";
  readonly required?: boolean;
  readonly autocomplete?: string;
  readonly list?: string;
  /** Prefix for ids, when one page has two fields of the same name. */
  readonly idPrefix?: string;
}

/** A labelled input whose hint and inline error are tied to it for screen readers. */
export function textField(o: TextFieldOptions): SafeHtml {
  const id = `${o.idPrefix ?? ""}${o.name}`;
  const described = [o.hint ? `${id}-hint` : "", o.error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return html`<div class="field">
  <label for="${id}">${o.label}</label>
  <input type="${o.type ?? "text"}" id="${id}" name="${o.name}" value="${o.value ?? ""}"${attr(
    "required",
    o.required === true,
  )}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ""}${o.list ? html` list="${o.list}"` : ""}${
    described ? html` aria-describedby="${described}"` : ""
  }${o.error ? html` aria-invalid="true"` : ""}>
  ${o.hint ? html`<span class="hint" id="${id}-hint">${o.hint}</span>` : ""}
  ${o.error ? html`<span class="field-error" id="${id}-error">${o.error}</span>` : ""}
</div>`;
}

export function selectField(o: {
  name: string;
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  idPrefix?: string;
}): SafeHtml {
  const id = `${o.idPrefix ?? ""}${o.name}`;
  return html`<div class="field">
  <label for="${id}">${o.label}</label>
  <select id="${id}" name="${o.name}">${o.options.map(
    (opt) =>
      html`<option value="${opt.value}"${attr("selected", opt.value === o.value)}>${opt.label}</option>`,
  )}</select>
</div>`;
}

export function utcTime(d: Date): SafeHtml {
  const iso = d.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)}</time>`;
}

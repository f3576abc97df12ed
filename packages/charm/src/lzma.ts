// LZMA-JS (pure JavaScript) writes the .lzma "alone" format, which Python's lzma.decompress
// (FORMAT_AUTO, used by cosl's LZMABase64 on Grafana's side) reads.
import lzmaModule from "lzma/src/lzma_worker.js";

/** base64(lzma(text)), the encoding of grafana_dashboard's `content`. */
export function lzmaBase64(text: string): string {
  const bytes = lzmaModule.LZMA_WORKER.compress(Buffer.from(text, "utf8"), 1);
  return Buffer.from(bytes.map((b) => b & 0xff)).toString("base64");
}

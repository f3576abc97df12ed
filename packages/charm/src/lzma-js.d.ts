declare module "lzma/src/lzma_worker.js" {
  const lzma: { LZMA_WORKER: { compress(data: Uint8Array | string, mode: number): number[] } };
  export default lzma;
}

/** A keep-alive HTTP client for 127.0.0.1 with Basic auth, as lego's httpreq provider calls. */
import { Agent, request } from "node:http";

export interface HttpResult {
  readonly status: number;
  readonly ms: number;
  readonly body: string;
}

export class BenchClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });

  constructor(
    private readonly baseUrl: string,
    private readonly auth: string | undefined,
  ) {}

  post(path: string, payload: unknown): Promise<HttpResult> {
    return this.send("POST", path, JSON.stringify(payload));
  }

  get(path: string): Promise<HttpResult> {
    return this.send("GET", path, undefined);
  }

  private send(method: string, path: string, body: string | undefined): Promise<HttpResult> {
    const url = new URL(path, this.baseUrl);
    if (url.hostname !== "127.0.0.1") throw new Error("the bench only talks to 127.0.0.1");
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    if (this.auth !== undefined) headers.authorization = `Basic ${Buffer.from(this.auth).toString("base64")}`;
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - start,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

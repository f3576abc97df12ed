/**
 * What acme.sh's `dns_acmeproxy` hook does, as a plain HTTP call: it POSTs
 * `{"fqdn": "<name>.", "value": "<value>"}` to `$ACMEPROXY_ENDPOINT/present` (or `/cleanup`) with
 * Basic auth, and counts the call as successful only when the response body contains the value
 * in double quotes, whatever the status code.
 * (acmesh-official/acme.sh, dnsapi/dns_acmeproxy.sh)
 */

export type AcmeProxyAction = "present" | "cleanup";

/** Pure: the body the hook sends (note its spaces and the dot it appends to the name). */
export function acmeProxyBody(fulldomain: string, value: string): string {
  return `{"fqdn": "${fulldomain}.", "value": "${value}"}`;
}

/** Pure: the hook's success test (`grep "\"$txtvalue\""` on the response body). */
export function acmeProxySucceeded(responseBody: string, value: string): boolean {
  return responseBody.includes(`"${value}"`);
}

export interface AcmeProxyOutcome {
  readonly status: number;
  readonly body: string;
  readonly succeeded: boolean;
}

export async function acmeProxyCall(
  endpoint: string,
  action: AcmeProxyAction,
  credentials: { username: string; password: string },
  fulldomain: string,
  value: string,
): Promise<AcmeProxyOutcome> {
  const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
  const response = await fetch(`${endpoint}/${action}`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${basic}`,
      Accept: "application/json",
      "Content-Type": "application/json",
    },
    body: acmeProxyBody(fulldomain, value),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  return { status: response.status, body, succeeded: acmeProxySucceeded(body, value) };
}

/**
 * ingress v2, requirer side (canonical/traefik-k8s-operator lib ingress.py v2): every value
 * is JSON-encoded, so strings carry their quotes.
 */
export const ENDPOINT = "ingress";

export function requirerAppData(appName: string, modelName: string, port: number): Record<string, string> {
  return {
    model: JSON.stringify(modelName),
    name: JSON.stringify(appName),
    port: JSON.stringify(port),
    // The provider is mounted under /<model>-<app>; lego posts to <url>/present, so strip it.
    "strip-prefix": JSON.stringify(true),
  };
}

export function requirerUnitData(host: string, ip: string | undefined): Record<string, string> {
  return { host: JSON.stringify(host), ...(ip ? { ip: JSON.stringify(ip) } : {}) };
}

/** The unit's in-cluster FQDN (the Kubernetes headless service Juju creates per application). */
export function unitFqdn(unitName: string, appName: string, modelName: string): string {
  return `${unitName.replace("/", "-")}.${appName}-endpoints.${modelName}.svc.cluster.local`;
}

/** The URL the ingress provider published, if any and if it is an http(s) URL. */
export function parseIngressUrl(providerAppData: Record<string, string>): string | undefined {
  const raw = providerAppData.ingress;
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    const url =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>).url : undefined;
    if (typeof url !== "string" || !/^https?:\/\/[^\s]+$/.test(url)) return undefined;
    return url;
  } catch {
    return undefined;
  }
}

const CIDR_RE = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(?:\/\d{1,3})?$/;

function asCidr(address: string): string | undefined {
  const value = address.trim();
  if (!CIDR_RE.test(value)) return undefined;
  if (value.includes("/")) return value;
  return value.includes(":") ? `${value}/128` : `${value}/32`;
}

/**
 * Where a proxy unit's requests come from, from the keys Juju itself writes into every unit's
 * databag: `egress-subnets` (comma-separated CIDRs), else its `ingress-address`. Host names and
 * anything else that is not an address are ignored. Pure.
 */
export function proxySources(unitData: Record<string, string>): string[] {
  const egress = (unitData["egress-subnets"] ?? "")
    .split(",")
    .map(asCidr)
    .filter((c): c is string => c !== undefined);
  if (egress.length > 0) return egress;
  const address = unitData["ingress-address"] ? asCidr(unitData["ingress-address"]) : undefined;
  return address ? [address] : [];
}

/** Where everything of one run lives inside its scratch directory (pure path arithmetic). */
import { join } from "node:path";

export interface Layout {
  readonly root: string;
  readonly home: string;
  readonly logDir: string;
  readonly namedDir: string;
  readonly namedConf: string;
  readonly rndcKey: string;
  readonly rndcConf: string;
  /** bind's zone directory: the post-receive hook deploys the repository here. */
  readonly zonesDir: string;
  readonly bareRepo: string;
  readonly seedDir: string;
  readonly hookConfig: string;
  readonly pebbleDir: string;
  readonly pebbleConfig: string;
  /** CA of Pebble's own HTTPS listener (lego trusts it through LEGO_CA_CERTIFICATES). */
  readonly pebbleListenerCa: string;
  /** Root of the certificates Pebble issues (fetched from its management port). */
  readonly pebbleIssuingRoot: string;
  readonly providerDataDir: string;
  readonly legoDir: string;
}

export function layoutFor(root: string): Layout {
  const namedDir = join(root, "named");
  const pebbleDir = join(root, "pebble");
  return Object.freeze({
    root,
    home: join(root, "home"),
    logDir: join(root, "log"),
    namedDir,
    namedConf: join(namedDir, "named.conf"),
    rndcKey: join(namedDir, "rndc.key"),
    rndcConf: join(namedDir, "rndc.conf"),
    zonesDir: join(root, "zones"),
    bareRepo: join(root, "git", "dns.git"),
    seedDir: join(root, "git", "seed"),
    hookConfig: join(root, "git", "deploy-hook.json"),
    pebbleDir,
    pebbleConfig: join(pebbleDir, "pebble-config.json"),
    pebbleListenerCa: join(pebbleDir, "listener-ca.pem"),
    pebbleIssuingRoot: join(pebbleDir, "issuing-root.pem"),
    providerDataDir: join(root, "provider-data"),
    legoDir: join(root, "lego"),
  });
}

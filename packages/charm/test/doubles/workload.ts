// Stand-in for the rock's processes reached through Pebble exec: the provider CLI per
// PROVIDER-CONTRACT (commands, --json shapes, one-line errors on stderr, non-zero exit) and
// ssh-keyscan. It keeps users and grants in memory and refuses to run without the environment
// the real CLI needs, so a charm that forgets to pass it fails here too.
import type { ExecReply, ExecRequest } from "./pebble.js";

export interface FakeProviderState {
  migrations: number;
  users: Map<string, { staff: boolean; password: string; email?: string; active?: boolean }>;
  grants: Map<string, { domains: Set<string>; subdomains: Set<string> }>;
  keyscans: number;
}

export function newProviderState(): FakeProviderState {
  return { migrations: 0, users: new Map(), grants: new Map(), keyscans: 0 };
}

export const HOST_KEY_LINE = "git.example.test ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForTestsOnly";

function option(args: string[], name: string): string | undefined {
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const list = (v: string | undefined): string[] =>
  v
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

export function providerExec(state: FakeProviderState): (req: ExecRequest) => ExecReply {
  return (req) => {
    if (req.command[0] === "ssh-keyscan") {
      state.keyscans++;
      const host = req.command[req.command.length - 1];
      return host === "git.example.test"
        ? { stdout: `${HOST_KEY_LINE}\n`, stderr: `# ${host}:22 SSH-2.0-OpenSSH_9.6\n` }
        : { stdout: "", stderr: `getaddrinfo ${host}: Name or service not known\n`, exitCode: 1 };
    }
    const [node, cli, command, ...args] = req.command;
    if (node !== "/usr/bin/node" || cli !== "/app/dist/cli.js") return { stderr: "not found", exitCode: 127 };
    for (const key of ["POSTGRESQL_DB_CONNECT_STRING", "APP_SECRET_KEY"]) {
      if (!req.environment[key]) return { stderr: `Error: ${key} is not set\n`, exitCode: 1 };
    }
    const positional = args.filter((a) => !a.startsWith("--"));
    const json = args.includes("--json");
    const username = positional[0] ?? "";
    switch (command) {
      case "migrate":
        state.migrations++;
        return { stdout: json ? '{"applied":[]}\n' : "Nothing to migrate.\n" };
      case "create-user":
      case "create-superuser": {
        const password = option(args, "password") ?? `gen-${username}-${state.users.size + 1}-pw`;
        const created = !state.users.has(username);
        const email = option(args, "email");
        state.users.set(username, {
          staff: command === "create-superuser",
          password,
          ...(email ? { email } : {}),
        });
        return {
          stdout: json
            ? `${JSON.stringify({ username, created, password })}\n`
            : `Created user "${username}"\n`,
        };
      }
      case "allow-domains":
      case "revoke-domains": {
        if (!state.users.has(username))
          return { stderr: `Error: User "${username}" does not exist\n`, exitCode: 1 };
        const grant = state.grants.get(username) ?? {
          domains: new Set<string>(),
          subdomains: new Set<string>(),
        };
        state.grants.set(username, grant);
        const domains = list(option(args, "domains"));
        const subdomains = list(option(args, "subdomains"));
        if (command === "allow-domains") {
          for (const d of domains) grant.domains.add(d);
          for (const d of subdomains) grant.subdomains.add(d);
          return { stdout: "Successfully granted access to all domains.\n" };
        }
        const missing = [
          ...domains.filter((d) => !grant.domains.has(d)),
          ...subdomains.filter((d) => !grant.subdomains.has(d)),
        ];
        if (missing.length > 0)
          return { stderr: `Error: nothing to revoke for ${missing.join(", ")}\n`, exitCode: 1 };
        for (const d of domains) grant.domains.delete(d);
        for (const d of subdomains) grant.subdomains.delete(d);
        return { stdout: "Successfully revoked access to all domains.\n" };
      }
      case "deactivate-user":
      case "activate-user": {
        const user = state.users.get(username);
        if (!user) return { stderr: `Error: User "${username}" does not exist\n`, exitCode: 1 };
        const active = command === "activate-user";
        const changed = (user.active ?? true) !== active;
        user.active = active;
        return {
          stdout: json
            ? `${JSON.stringify({ username, active, changed })}\n`
            : `${active ? "Activated" : "Deactivated"} user "${username}"\n`,
        };
      }
      case "delete-user": {
        if (!state.users.has(username))
          return { stderr: `Error: User "${username}" does not exist\n`, exitCode: 1 };
        const grant = state.grants.get(username);
        const held = {
          domains: [...(grant?.domains ?? [])].sort(),
          subdomains: [...(grant?.subdomains ?? [])].sort(),
        };
        state.users.delete(username);
        state.grants.delete(username);
        return {
          stdout: json
            ? `${JSON.stringify({ username, deleted: true, ...held })}\n`
            : `Deleted user "${username}"\n`,
        };
      }
      case "list-domains": {
        const names = username === "*" ? [...state.users.keys()].sort() : [username];
        if (username !== "*" && !state.users.has(username))
          return { stderr: `Error: User "${username}" does not exist\n`, exitCode: 1 };
        const blocks = names.map((n) => {
          const g = state.grants.get(n);
          const lines = [`${n}:`];
          if (g?.domains.size) lines.push("    domains:", `        ${[...g.domains].sort().join(", ")}`);
          if (g?.subdomains.size)
            lines.push("    subdomains:", `        ${[...g.subdomains].sort().join(", ")}`);
          return lines.join("\n");
        });
        return { stdout: `${blocks.join("\n")}\n` };
      }
      default:
        return { stderr: `error: unknown command '${command}'\n`, exitCode: 1 };
    }
  };
}

#!/bin/sh
# Prints the commit being built, with "-dirty" when tracked files differ from it, or "unknown"
# outside a git checkout. `pnpm build` hands it to turbo as GIT_REVISION (see tools/artifacts).
rev=$(git rev-parse HEAD 2>/dev/null) || { echo unknown; exit 0; }
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  echo "$rev-dirty"
else
  echo "$rev"
fi

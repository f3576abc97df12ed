#!/bin/sh
# A dehydrated hook (HOOK_CHAIN=no) that answers DNS-01 challenges through an acme-dns `/update`
# endpoint such as httprequest-lego-provider's, sending byte for byte the request goacmedns sends
# (cert-manager's acmeDNS solver, lego's acme-dns provider): compact JSON and a newline.
#
# Environment: ACMEDNS_BASE_URL, ACMEDNS_USERNAME, ACMEDNS_PASSWORD; ACMEDNS_SUBDOMAIN is optional
# (default: the domain being validated, which the service writes as _acme-challenge.<domain>).
# acme-dns keeps the two newest values of a name, so clean_challenge has nothing to do.
set -eu

case "${1:-}" in
deploy_challenge)
  domain="$2"
  value="$4"
  subdomain="${ACMEDNS_SUBDOMAIN:-$domain}"
  out="$(mktemp)"
  trap 'rm -f "$out"' EXIT
  status="$(printf '{"subdomain":"%s","txt":"%s"}\n' "$subdomain" "$value" |
    curl -sS --max-time 60 -o "$out" -w '%{http_code}' -X POST \
      -H 'Accept: application/json' \
      -H 'User-Agent: goacmedns (linux; amd64)' \
      -H 'Content-Type: application/json' \
      -H "X-Api-User: ${ACMEDNS_USERNAME}" \
      -H "X-Api-Key: ${ACMEDNS_PASSWORD}" \
      --data-binary @- "${ACMEDNS_BASE_URL%/}/update")"
  # goacmedns's test: any 2xx. The service also echoes the value, as acme.sh checks.
  case "$status" in
  2??) grep -q "\"$value\"" "$out" || {
    echo "acme-dns /update for $subdomain answered $status without the value: $(cat "$out")" >&2
    exit 1
  } ;;
  *)
    echo "acme-dns /update for $subdomain failed: HTTP $status $(cat "$out")" >&2
    exit 1
    ;;
  esac
  echo " + acme-dns: TXT for $subdomain set"
  ;;
*) ;;
esac

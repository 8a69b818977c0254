#!/usr/bin/env bash
# Makes the certificates of a Prevent partnership (docs/security.md):
#   - a partnership CA (ca.pem, ca.key), kept and reused when it exists;
#   - the plan service's certificate (service.pem, service.key), with a DNS or
#     IP SAN for each name the service is reached by;
#   - one certificate per organisation (<org>.pem, <org>.key), whose URI SAN
#     spiffe://<trust domain>/organisations/<org> is the organisation it acts
#     for. An agent that serves its own API beyond loopback also needs the
#     names it is reached by: give them as <org>=host1,host2.
#
#   deploy/certs.sh --out=certs --hosts=plans.staffs.example,10.0.0.5 \
#       staffordshire-county-council staffordshire-police
#
# Flags: --out=DIR (default ./certs), --hosts=LIST (default
# localhost,127.0.0.1,::1), --trust_domain=NAME (default prevent.local),
# --days=N (default 825). Existing certificates are kept; delete one to
# remake it. Keys are EC P-256, readable only by their owner.
set -euo pipefail

out=./certs
hosts=localhost,127.0.0.1,::1
trust_domain=prevent.local
days=825
orgs=()
for arg in "$@"; do
  case "$arg" in
    --out=*) out="${arg#--out=}" ;;
    --hosts=*) hosts="${arg#--hosts=}" ;;
    --trust_domain=*) trust_domain="${arg#--trust_domain=}" ;;
    --days=*) days="${arg#--days=}" ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "certs.sh: unknown flag $arg (--help for usage)" >&2; exit 2 ;;
    *) orgs+=("$arg") ;;
  esac
done
command -v openssl >/dev/null || {
  echo "certs.sh: openssl is not installed (apt-get install openssl)" >&2
  exit 1
}

mkdir -p "$out"
umask 077

# "a,b,1.2.3.4" -> "DNS:a,DNS:b,IP:1.2.3.4"
san_list() {
  local IFS=, entry result=()
  for entry in $1; do
    [ -z "$entry" ] && continue
    if [[ "$entry" =~ ^[0-9.]+$ || "$entry" == *:* ]]; then
      result+=("IP:$entry")
    else
      result+=("DNS:$entry")
    fi
  done
  local joined
  joined=$(IFS=,; echo "${result[*]}")
  echo "$joined"
}

# issue NAME SUBJECT_CN SAN EXTENDED_KEY_USAGE
issue() {
  local name=$1 cn=$2 san=$3 usage=$4
  if [ -f "$out/$name.pem" ]; then
    echo "certs.sh: keeping $out/$name.pem" >&2
    return
  fi
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/$name.key.tmp"
  openssl pkcs8 -topk8 -nocrypt -in "$out/$name.key.tmp" -out "$out/$name.key"
  rm -f "$out/$name.key.tmp"
  openssl req -new -key "$out/$name.key" -subj "/O=Prevent partnership/CN=$cn" \
    -out "$out/$name.csr" 2>/dev/null
  printf '%s\n' \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=$usage" \
    "subjectAltName=$san" >"$out/$name.ext"
  openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -CAcreateserial -days "$days" -sha256 -extfile "$out/$name.ext" \
    -out "$out/$name.pem" 2>/dev/null
  rm -f "$out/$name.csr" "$out/$name.ext"
  chmod 644 "$out/$name.pem"
  echo "certs.sh: made $out/$name.pem ($san)" >&2
}

if [ ! -f "$out/ca.pem" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca.key"
  openssl req -new -x509 -key "$out/ca.key" -days "$((days * 2))" -sha256 \
    -subj "/O=Prevent partnership/CN=Prevent partnership CA ($trust_domain)" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/ca.pem"
  chmod 644 "$out/ca.pem"
  echo "certs.sh: made $out/ca.pem" >&2
else
  echo "certs.sh: keeping $out/ca.pem" >&2
fi

issue service plan-service "$(san_list "$hosts")" serverAuth

for spec in "${orgs[@]}"; do
  org="${spec%%=*}"
  if ! [[ "$org" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]]; then
    echo "certs.sh: \"$org\" is not an organisation id (a-z, 0-9, -)" >&2
    exit 2
  fi
  san="URI:spiffe://$trust_domain/organisations/$org"
  if [[ "$spec" == *=* ]]; then
    san="$san,$(san_list "${spec#*=}")"
  fi
  issue "$org" "$org" "$san" "clientAuth,serverAuth"
done

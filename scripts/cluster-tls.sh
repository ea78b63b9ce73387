#!/usr/bin/env bash
# Key and trust store for Artery over TLS with mutual authentication (cluster-config/production.conf's
# akka.remote.artery.ssl), one pair for the whole cluster:
#
#   NDEVID_TLS_PASSWORD=... scripts/cluster-tls.sh DIR [DAYS]
#
# writes DIR/ndevid-keystore.p12 (a 3072-bit RSA key pair and its self-signed certificate, CN=ndevid-cluster) and
# DIR/ndevid-truststore.p12 (that certificate only), both PKCS12, mode 600, protected by $NDEVID_TLS_PASSWORD.
# Copy both files to every machine (same path), start every node with NDEVID_TLS_DIR=DIR and NDEVID_TLS_PASSWORD
# set: a member is admitted only if it presents a certificate the trust store holds, so a process that reaches a
# node's port without the key (plain TCP, or another key) cannot join or send the coordinator anything. Rotate by
# creating a new pair and restarting every node with it. Needs keytool (any JDK).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: NDEVID_TLS_PASSWORD=... $0 DIR [DAYS]" >&2; exit 2; }
DIR="$1"
DAYS="${2:-825}"
: "${NDEVID_TLS_PASSWORD:?set NDEVID_TLS_PASSWORD (at least 6 characters) first}"
[ ${#NDEVID_TLS_PASSWORD} -ge 6 ] || { echo "NDEVID_TLS_PASSWORD needs at least 6 characters" >&2; exit 2; }
KEYTOOL="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
command -v "$KEYTOOL" >/dev/null || { echo "keytool not found (install a JDK or set JAVA_HOME)" >&2; exit 2; }
mkdir -p "$DIR"
umask 077
KS="$DIR/ndevid-keystore.p12"
TS="$DIR/ndevid-truststore.p12"
for f in "$KS" "$TS"; do
  [ ! -e "$f" ] || { echo "$f exists; remove it first to create a new pair" >&2; exit 2; }
done
CERT="$(mktemp)"
trap 'rm -f "$CERT"' EXIT
"$KEYTOOL" -genkeypair -alias ndevid -keyalg RSA -keysize 3072 -validity "$DAYS" -dname "CN=ndevid-cluster" \
  -storetype PKCS12 -keystore "$KS" -storepass:env NDEVID_TLS_PASSWORD -keypass:env NDEVID_TLS_PASSWORD -noprompt
"$KEYTOOL" -exportcert -alias ndevid -keystore "$KS" -storetype PKCS12 -storepass:env NDEVID_TLS_PASSWORD \
  -rfc -file "$CERT"
"$KEYTOOL" -importcert -alias ndevid -file "$CERT" -storetype PKCS12 -keystore "$TS" \
  -storepass:env NDEVID_TLS_PASSWORD -noprompt >/dev/null
chmod 600 "$KS" "$TS"
echo "created $KS and $TS (valid $DAYS days)"

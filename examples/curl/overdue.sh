#!/usr/bin/env bash
# The same two tasks as examples/python/overdue.py, over REST with curl:
# lists a plan's overdue actions, and records a progress update on one.
#   bash examples/curl/overdue.sh http://127.0.0.1:8080 plans/south-staffordshire
#   bash examples/curl/overdue.sh http://127.0.0.1:8080 plans/south-staffordshire \
#       plans/south-staffordshire/activities/A/actions/B AMBER "Two of five schools briefed"
# In development mode (loopback, as `bash deploy/dev.sh run` serves) set
# ORGANISATION=organisations/{org} to act for one; over HTTPS pass curl's
# --cacert, --cert and --key in CURL_TLS instead. Needs curl only; the answers
# are JSON (docs/rest.md), printed as they come.
set -euo pipefail
base=${1:?usage: overdue.sh BASE_URL PLAN [ACTION RAG NOTE]}
plan=${2:?usage: overdue.sh BASE_URL PLAN [ACTION RAG NOTE]}
headers=(-H "Content-Type: application/json")
[ -n "${ORGANISATION:-}" ] && headers+=(-H "X-Prevent-Organisation: $ORGANISATION")
[ -n "${PERSON:-}" ] && headers+=(-H "X-Prevent-User: $PERSON")
# shellcheck disable=SC2086  # CURL_TLS holds several arguments
call() { curl -sS --fail-with-body ${CURL_TLS:-} "${headers[@]}" "$@"; }

# 1. Overdue actions of every activity ("activities/-"); the filter is
#    `overdue = true`, URL-encoded.
call "$base/v1/$plan/activities/-/actions?filter=overdue%20%3D%20true&page_size=200"
echo

# 2. A progress update: a RAG status and a note.
if [ $# -ge 5 ]; then
  note=${5//\\/\\\\}
  note=${note//\"/\\\"}
  call -X POST "$base/v1/$3/updates" -d "{\"rag\": \"$4\", \"note\": \"$note\"}"
  echo
fi

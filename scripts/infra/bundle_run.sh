#!/usr/bin/env bash
# Run the bundle's pipelines on a target and wait for each update to finish (used by cd.yml
# after `databricks bundle deploy`).
#
#   scripts/infra/bundle_run.sh <target>
#
# BUNDLE_RUN_KEYS (space separated resource keys, run in that order) overrides the default:
# the daily jobs that `lakehouse bundle` generates (<domain>_daily, each refreshing bronze ->
# silver -> gold with retries and notifications), the cross-domain gold_daily last; without
# such jobs, every pipeline of the target ordered by layer: bronze, silver, gold, then the rest.
set -euo pipefail

target="${1:?usage: bundle_run.sh <target>}"

if [[ -n "${BUNDLE_RUN_KEYS:-}" ]]; then
  read -r -a keys <<<"${BUNDLE_RUN_KEYS}"
else
  summary="$(databricks bundle summary --target "${target}" --output json)"
  mapfile -t keys < <(
    python3 -c '
import json, sys
resources = json.load(sys.stdin).get("resources", {})
daily = sorted((k for k in resources.get("jobs", {}) if k.endswith("_daily")), key=lambda k: (k == "gold_daily", k))
if daily:
    print("\n".join(daily))
    raise SystemExit(0)
pipelines = resources.get("pipelines", {})
rank = {"bronze": 0, "silver": 1, "gold": 2}
def order(key):
    layer = next((r for name, r in rank.items() if name in key), len(rank))
    return (layer, key)
print("\n".join(sorted(pipelines, key=order)))
' <<<"${summary}"
  )
fi

if [[ ${#keys[@]} -eq 0 || -z "${keys[0]}" ]]; then
  echo "no pipelines to run in bundle target ${target}" >&2
  exit 1
fi

for key in "${keys[@]}"; do
  echo "::group::databricks bundle run --target ${target} ${key}"
  databricks bundle run --target "${target}" "${key}"
  echo "::endgroup::"
done

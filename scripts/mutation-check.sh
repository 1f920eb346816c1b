#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Mutation check: does the test suite notice when the library is broken on purpose?
#
#   scripts/mutation-check.sh [--rev REV] [--only NAME,...] [--report FILE] [--keep]
#   scripts/mutation-check.sh --sample N --seed S [--list] [--rev REV] [--report FILE] [--keep]
#   scripts/mutation-check.sh --sites FILE [--rev REV] [--report FILE] [--keep]
#   (sampled modes also take --first-kill: a mutant's targets are built and run one at a time,
#   stopping at the first that catches it; faster, and the table names only that one)
#
# Sampled mode (--sample): instead of the hand-picked mutations below, N mutants drawn at random
# (seed S: the same N and S give the same mutants on the same tree) from every mutable site of
# include/shype/ (detail/ included): on each line that is code (comments, preprocessor lines and
# static_asserts are not), every && <-> ||, == <-> !=, < <-> <=, > <-> >= (binary operators,
# written with a blank on each side), true <-> false, decision::permit <-> decision::deny, and
# off-by-one (x + 1 -> x, x - 1 -> x, and a decimal literal n >= 1 in an expression -> n + 1).
# --list prints every site and the sample and stops. A mutant is cheap: g++-12 at -O0 without
# debug information, only the unit tests and the replay of the two model-checked fuzz corpora
# (policy loader, hook state machine) are built and run, with array bounds checked as CI's
# asan configuration checks them (no property tests: the figure is what the fast suite
# catches). Each mutant ends as: killed (a test fails, traps, times out after 300 s, or
# a static_assert fails or is no longer a constant expression: a compile-time test caught UB),
# survived, or did not compile (not counted as killed: the score is killed / (killed +
# survived)). The report lists every mutant, with the survivors first. Lines opening a template,
# lines holding `requires`, and literals in `using`/array declarations are skipped (a mutant
# there rarely compiles, or only makes an array one element larger: equivalent). Cost on 2
# cores: ~30 s per mutant and ~1 min for the unmutated suite when idle; 1-3 min per mutant
# under the load of other builds.
#
# --sites FILE runs the mutants FILE names instead of a drawn sample: lines as --list prints them
# ("FILE:LINE:COLUMN~FROM~TO", optionally after "SAMPLE "), or a sampled run's log, of which the
# SURVIVED lines are taken (the survivors tried again against a suite that has grown since). A
# site whose text is no longer at its place stops the run (the header changed: draw again).
#
# Copies the working tree (tracked and untracked files, not build trees; with --rev, the commit
# REV instead) to a scratch directory,
# builds the unit tests, the property tests and the replay of the loader's and the hook state
# machine's fuzz corpora (with their regression inputs) with g++-12 (without -Werror: a mutant may leave a parameter unused),
# checks that they pass unmutated, then applies one mutation at a time to the library, rebuilds
# and runs them again. Each mutation must make at least one test fail; the table says which did.
# The property tests run with CI's RC_PARAMS (seed and cases from scripts/test.sh's defaults in
# proptests/CMakeLists.txt), so "caught" means "caught by CI".
#
# A mutation is a literal replacement in one header; if its text is no longer found (the
# library changed), the script says so and fails: update the mutation, never drop it silently.
# Exit status: 0 if every mutation was caught and the unmutated suite passed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
only="" report="" keep=0 rev= sample=0 seed=1 list=0 sites_file= first_kill=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sample) sample=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --list) list=1; shift ;;
    --first-kill) first_kill=1; shift ;;
    --sites) sites_file=$(realpath "$2") || exit 2; sample=${sample/#0/1}; shift 2 ;;
    --rev) rev=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--rev REV] [--only NAME] [--report FILE] [--keep] | --sample N --seed S [--list] | --sites FILE" >&2; exit 2 ;;
  esac
done

# name ~ header (under include/shype) ~ text ~ replacement ~ what it breaks   (\n: a line break)
mutations=(
  "te-or~type_enforcement.hpp~return permit_if(intersects(a, b));~return permit_if(!empty(a) || !empty(b));~Type Enforcement decided by OR of the two type sets instead of AND"
  "te-always-permit~type_enforcement.hpp~return permit_if(intersects(a, b));~return decision::permit;~Type Enforcement permits every share and access"
  "te-table-or~te_table.hpp~          for (std::size_t i = 0; i < w; ++i) row[i] |= m[i];~          for (std::size_t i = 0; i < w; ++i) row[i] = m[i];~the label-pair table keeps only the last type of each label (pairs that share another type are denied)"
  "cw-refcount-not-decremented~chinese_wall.hpp~--s.running[t] == 0~s.running[t] == 0~Chinese Wall never decrements a running type's count (types stay running after their domains stop)"
  "cw-not-checked-on-migrate-in~detail/domain_lifecycle.hpp~    const std::uint8_t denied = m.stack_.prepare(m.states_, m.view_, label);~    const std::uint8_t denied = op == hook::migrate_in ? verdict::none : m.stack_.prepare(m.states_, m.view_, label);~a migrating domain is admitted without the Chinese Wall check (and reserves nothing)"
  "cache-not-dropped-on-stop~detail/domain_lifecycle.hpp~      m.hits_.cache().drop(m.handle(d));~      (void)0;~cached decisions of a destroyed, saved or migrated domain stay in the cache"
  "cache-not-dropped-on-relabel~detail/domain_lifecycle.hpp~    m.hits_.cache().drop(old_handle);~    (void)old_handle;~cached decisions about a relabelled domain stay in the cache"
  "cache-ignores-generation~decision_cache.hpp~if ((m1 & match_mask) != expect) continue;~if (((m1 & match_mask) & 0xFFFFFFFFull) != (expect & 0xFFFFFFFFull)) continue;~a cache probe matches entries of any policy generation"
  "generation-not-bumped~detail/hit_path.hpp~generation_t next = gen() + 1;~generation_t next = gen();~a policy change keeps the generation (old cached decisions stay valid)"
  "permits-kept-on-change~detail/hit_path.hpp~        if (live(static_cast<domid_t>(d)) != 0) clear_row(static_cast<domid_t>(d));~        (void)d;~a policy change leaves the permit table as it was (permits of the old policy stay)"
  "permits-kept-for-old-handle~detail/hit_path.hpp~      if (old != 0) forget_object(d, old);~      (void)old;~a stopped domain's handle stays in other domains' permit rows (found again when the handle comes back)"
  "permit-for-any-object~detail/hit_path.hpp~.load(std::memory_order_relaxed) == inverted(o);\n    }\n  }~.load(std::memory_order_relaxed) != 0;\n    }\n  }~the permit table answers for any object whose slot holds a permit"
  "no-revocation-on-change~detail/policy_change.hpp~    return !ok;~    return false;~a policy change revokes no binding whose labels it still knows"
  "no-revocation-on-relabel~detail/domain_lifecycle.hpp~return !m.stack_.permits(b.kind, sl, o, m.view_);~return false;~relabelling revokes nothing"
  "bindings-survive-stop~detail/domain_lifecycle.hpp~        m.registry_.remove_domain(d, on_close);~        (void)on_close;~a stopped domain's channels, grants and attachments stay registered"
  "relabel-skips-placement~detail/domain_lifecycle.hpp~const std::uint8_t denied = m.stack_.prepare(m.states_, m.view_, new_label);~const std::uint8_t denied = verdict::none; (void)m.stack_.prepare(m.states_, m.view_, new_label);~relabelling a running domain ignores the Chinese Wall"
  "change-ignores-conflicts~detail/policy_change.hpp~      ++n;\n      violation v{violation_kind::conflict~      violation v{violation_kind::conflict~a policy change is applied although running domains would violate its Chinese Wall"
  "hits-counted-as-misses~statistics.hpp~void hit(hook_class c) noexcept { at(c).hits.add(); }~void hit(hook_class c) noexcept { at(c).misses.add(); }~cache hits are counted as misses"
  "table-hits-not-counted~statistics.hpp~void hit_local(hook_class c) noexcept { at(c).hits.add_local(); }~void hit_local(hook_class) noexcept {}~hits of the permit table are not counted"
  "blp-flow-reversed~detail/information_flow.hpp~return dominates(to.secrecy(), from.secrecy());~return dominates(from.secrecy(), to.secrecy());~Bell-LaPadula lets information flow down instead of up"
  "loader-accepts-unsorted~detail/policy_validator.hpp~      const auto order = string_at(rec - t.stride) <=> string_at(rec);~      const auto order = std::strong_ordering::less; (void)string_at(rec);~the loader accepts unsorted name tables (binary search then misses names)"
  "loader-accepts-stray-bits~detail/policy_validator.hpp~if ((last >> (bits % 64)) != 0) return failure~if (false) return failure~the loader accepts type sets with bits beyond the number of types"
  "loader-accepts-gaps-in-strings~detail/policy_validator.hpp~if (next != strings_size_) return failure~if (false) return failure~the loader accepts bytes in the strings section that no name uses"
)
# Every mutable site of include/shype/ ("FILE:LINE:COLUMN~FROM~TO" per line, sorted), then the
# sample ("SAMPLE FILE:LINE:COLUMN~FROM~TO").
sample_sites() {
  python3 - "$1/include/shype" "$sample" "$seed" <<'PY'
import os, random, re, sys
top, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rules = [
    (r" && ", " || "), (r" \|\| ", " && "), (r" == ", " != "), (r" != ", " == "),
    (r" <= ", " < "), (r" < ", " <= "), (r" >= ", " > "), (r" > ", " >= "),
    (r"\btrue\b", "false"), (r"\bfalse\b", "true"),
    (r"decision::permit\b", "decision::deny"), (r"decision::deny\b", "decision::permit"),
    (r" \+ 1\b", ""), (r" - 1\b", ""),
]
literal = re.compile(r"(?<=[\s(\[=<>+\-*/%&|,])([1-9][0-9]*)(?=[\s)\];,])")
sites = []
for dirpath, _, files in os.walk(top):
    for f in sorted(files):
        if not f.endswith(".hpp"):
            continue
        path = os.path.join(dirpath, f)
        rel = os.path.relpath(path, os.path.dirname(top))
        in_block = False
        for no, line in enumerate(open(path, encoding="utf-8"), 1):
            code = line.rstrip("\n")
            if in_block:
                if "*/" not in code:
                    continue
                code = " " * (code.index("*/") + 2) + code[code.index("*/") + 2:]
                in_block = False
            if "/*" in code:
                in_block = "*/" not in code[code.index("/*"):]
                code = code[:code.index("/*")]
            if "//" in code:
                code = code[:code.index("//")]
            # strings: blank them out so no site falls inside one
            code = re.sub(r'"(\\.|[^"\\])*"', lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', code)
            code = re.sub(r"'(\\.|[^'\\])'", lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", code)
            s = code.strip()
            if not s or s.startswith("#") or "static_assert" in s or s.startswith("template") or "requires" in s:
                continue
            for pat, rep in rules:
                for m in re.finditer(pat, code):
                    sites.append((rel, no, m.start() + 1, m.group(0), rep))
            array_decl = re.match(r"^(static\s+|inline\s+|constexpr\s+|alignas\([^)]*\)\s+)*[\w:]+(<[^;]*>)?\s+\w+\s*\[", s)
            for m in literal.finditer(code):
                # not array sizes / template arguments of declarations: only in expressions of statements
                if s.startswith(("using ", "alignas", "std::array", "static_vector")):
                    continue
                # a literal in an array declaration's bound only makes the array one larger
                if array_decl and "[" in code[:m.start()] and "]" in code[m.end():]:
                    continue
                sites.append((rel, no, m.start() + 1, m.group(0), str(int(m.group(0)) + 1)))
sites.sort()
for x in sites:
    print("%s:%d:%d~%s~%s" % x)
rnd = random.Random(seed)
# In drawing order, not sorted: a run stopped early has still tried a random sample.
for x in rnd.sample(sites, min(n, len(sites))):
    print("SAMPLE %s:%d:%d~%s~%s" % x)
print("mutation-check: %d sites in %s, sample of %d with seed %d" % (len(sites), top, min(n, len(sites)), seed), file=sys.stderr)
PY
}

scratch=$(mktemp -d /tmp/shype-mutation-XXXXXX)
cleanup() { [ "$keep" = 1 ] && echo "kept $scratch" || rm -rf "$scratch"; }
trap cleanup EXIT
src=$scratch/src
build=$scratch/build
mkdir -p "$src"
if [ -n "$rev" ]; then
  git -C "$root" archive "$rev" | tar -x -C "$src" || exit 2
else
  (cd "$root" && git ls-files -co --exclude-standard -z | grep -zv '^build' | xargs -0 cp --parents -t "$src" 2>/dev/null || true)
fi
echo "mutation-check: ${rev:-working tree} copied to $src"

if [ "$sample" -gt 0 ]; then
  sample_sites "$src" >"$scratch/sites" || exit 2
  if [ -n "$sites_file" ]; then  # the given mutants replace the drawn sample
    grep -v '^SAMPLE ' "$scratch/sites" >"$scratch/sites.all"
    python3 - "$sites_file" >>"$scratch/sites.all" <<'PY'
import re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    m = re.match(r"^(?:SAMPLE )?([^ ~][^~]*:\d+:\d+~.*~.*)$", line)
    if m:
        print("SAMPLE " + m.group(1))
        continue
    m = re.match(r"^mutation-check: (\S+:\d+:\d+) '(.*)' -> '(.*)': SURVIVED", line)
    if m:  # a survivor in a run's log
        print("SAMPLE %s~%s~%s" % m.groups())
PY
    mv "$scratch/sites.all" "$scratch/sites"
    grep -q '^SAMPLE ' "$scratch/sites" || { echo "mutation-check: $sites_file names no site (FILE:LINE:COLUMN~FROM~TO)" >&2; exit 2; }
    seed="sites of $sites_file"
  fi
  if [ "$list" = 1 ]; then cat "$scratch/sites"; exit 0; fi
  # Array bounds checked (trapping, no run-time library), as CI's asan configuration checks
  # them when it runs the same tests: a mutant that reads past a table is caught there too.
  build_type=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DSHYPE_BUILD_PROPTESTS=OFF
              "-DCMAKE_CXX_FLAGS=-fsanitize=bounds -fsanitize-undefined-trap-on-error")
else
  build_type=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
cmake -S "$src" -B "$build" -G Ninja "${build_type[@]}" -DCMAKE_CXX_COMPILER=g++-12 -DSHYPE_WERROR=OFF \
  -DSHYPE_BUILD_TOOLS=OFF -DSHYPE_BUILD_REFHV=OFF -DSHYPE_BUILD_ADAPTERS=OFF -DSHYPE_BUILD_BENCHMARKS=OFF \
  -DSHYPE_SYSTEM_TESTS=OFF >"$scratch/configure.log" 2>&1 || { cat "$scratch/configure.log"; exit 2; }
# Each test and the target that builds it. A target that no longer compiles because a static_assert
# fails (tests/unit/constexpr_test.cpp checks decisions at compile time) has caught the mutation
# too; every other target is still built and run, so the table shows what each part catches.
tests=(unit prop.stateful prop.composition prop.policybinary fuzz.policy_loader.replay fuzz.hook_state_machine.replay)
[ "$sample" -gt 0 ] && tests=(unit fuzz.policy_loader.replay fuzz.hook_state_machine.replay)
target_of() {
  case "$1" in
    unit) echo shype_unit_tests ;;
    prop.*) echo shype_proptests ;;
    fuzz.*) local t=${1#fuzz.}; echo "fuzz_${t%.replay}_replay" ;;
  esac
}

# Builds target $1: status 0 built, 1 a static_assert failed or stopped being a constant
# expression (a compile-time test caught the mutation), 2 it does not build for another reason.
build_target() {
  cmake --build "$build" --target "$1" >"$scratch/build-$1.log" 2>&1 && return 0
  grep -qE "static assertion failed|non-constant condition for static assertion" "$scratch/build-$1.log" && return 1
  tail -30 "$scratch/build-$1.log" >&2
  return 2
}

# Prints what caught the mutation ("" if nothing); status 2 if a target failed to build for any
# other reason than a failed static_assert (a broken mutation).
run_suite() {
  [ "${first_kill:-0}" = 1 ] && [ "${1:-}" = mutant ] && { run_until_killed; return; }
  local caught="" run=() built=" " t
  for t in $(for x in "${tests[@]}"; do target_of "$x"; done | sort -u); do
    build_target "$t"
    case $? in
      0) built+="$t " ;;
      1) caught+="$t(static_assert) " ;;
      *) return 2 ;;
    esac
  done
  for t in "${tests[@]}"; do
    [[ "$built" == *" $(target_of "$t") "* ]] && run+=("$t")
  done
  if [ ${#run[@]} -gt 0 ]; then
    local re; re="^($(IFS='|'; echo "${run[*]}" | sed 's/\./\\./g'))\$"
    (cd "$build" && ctest -R "$re" --timeout "$([ "$sample" -gt 0 ] && echo 300 || echo 600)" >"$scratch/ctest.log" 2>&1)
    grep -q "tests passed" "$scratch/ctest.log" || { cat "$scratch/ctest.log" >&2; return 2; }
    caught+=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*/\1 /p' "$scratch/ctest.log" | tr -d '\n')
  fi
  echo "${caught% }"
}

# --first-kill: a mutant's tests one at a time, in the order of `tests`, stopping at the first
# that catches it (the cheap unit tests first: most mutants never need the other targets built).
run_until_killed() {
  local x t
  for x in "${tests[@]}"; do
    t=$(target_of "$x")
    build_target "$t"
    case $? in
      0) ;;
      1) echo "$t(static_assert)"; return 0 ;;
      *) return 2 ;;
    esac
    (cd "$build" && ctest -R "^$(echo "$x" | sed 's/\./\\./g')\$" --timeout 300 >"$scratch/ctest.log" 2>&1)
    grep -q "No tests were found" "$scratch/ctest.log" && { echo "mutation-check: no test $x" >&2; return 2; }
    grep -q "100% tests passed" "$scratch/ctest.log" || { echo "$x"; return 0; }
  done
  echo ""
}

start=$(date +%s)
failed=$(run_suite)
rc=$?
if [ "$rc" -ne 0 ] || [ -n "$failed" ]; then
  echo "mutation-check: the unmutated suite does not pass (${failed:-a target does not build}); see $scratch" >&2
  keep=1
  exit 1
fi
echo "mutation-check: unmutated suite passes ($(( $(date +%s) - start )) s)"

if [ "$sample" -gt 0 ]; then
  killed=0 survived=0 broken=0 rows=() surv_rows=()
  while IFS= read -r m; do
    site=${m#SAMPLE }
    IFS='~' read -r where from to <<<"$site"
    IFS=':' read -r file line col <<<"$where"
    cp "$src/include/$file" "$scratch/pristine"
    python3 - "$src/include/$file" "$line" "$col" "$from" "$to" <<'PY' || { echo "mutation-check: cannot apply $site" >&2; exit 2; }
import sys
path, line, col, old, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
lines = open(path, encoding="utf-8").read().split("\n")
l = lines[line - 1]
if l[col - 1:col - 1 + len(old)] != old:
    sys.exit(1)
lines[line - 1] = l[:col - 1] + new + l[col - 1 + len(old):]
open(path, "w", encoding="utf-8").write("\n".join(lines))
PY
    text=$(sed -n "${line}p" "$src/include/$file" | sed 's/^ *//; s/|/\\|/g')
    t0=$(date +%s)
    failed=$(run_suite mutant 2>/dev/null)
    rc=$?
    cp "$scratch/pristine" "$src/include/$file"
    if [ "$rc" -ne 0 ]; then
      verdict="did not compile"; broken=$((broken + 1))
    elif [ -n "$failed" ]; then
      verdict="killed by: $failed"; killed=$((killed + 1))
    else
      verdict="SURVIVED"; survived=$((survived + 1))
    fi
    echo "mutation-check: $where '$from' -> '$to': $verdict ($(( $(date +%s) - t0 )) s)"
    row="| $where | \`${from# }\` → \`${to# }\` | \`$text\` | $verdict |"
    if [ "$verdict" = SURVIVED ]; then surv_rows+=("$row"); else rows+=("$row"); fi
  done < <(grep '^SAMPLE ' "$scratch/sites")
  total=$((killed + survived))
  score=$([ "$total" -gt 0 ] && echo "scale=1; 100 * $killed / $total" | bc || echo 0)
  summary="mutation-check: sample of $((total + broken)) (seed $seed, $(grep -vc '^SAMPLE ' "$scratch/sites") sites): killed $killed, survived $survived, did not compile $broken; score $score % ($(( $(date +%s) - start )) s)"
  table=$(printf '| site | mutation | line after mutation | result |\n|---|---|---|---|\n'; printf '%s\n' "${surv_rows[@]}" "${rows[@]}" | grep -v '^$')
  echo "$table"
  echo "$summary"
  [ -n "$report" ] && printf '%s\n\n%s\n' "$summary" "$table" >"$report"
  [ "$survived" -eq 0 ]
  exit
fi

rows=() survivors=0
for m in "${mutations[@]}"; do
  IFS='~' read -r name header from to what <<<"$m"
  if [[ "$what" == *"~"* ]]; then  # '~' separates the fields: a text that holds one is misread
    echo "mutation-check: $name: a field contains '~', the separator — rewrite the mutation" >&2
    exit 2
  fi
  [ -n "$only" ] && [[ ",$only," != *",$name,"* ]] && continue
  file=$src/include/shype/$header
  cp "$file" "$scratch/pristine"
  if ! python3 - "$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].replace("\\n", "\n"), sys.argv[3].replace("\\n", "\n")
text = open(path).read()
if text.count(old) != 1:
    sys.exit(1)
open(path, "w").write(text.replace(old, new))
PY
  then
    echo "mutation-check: $name: text not found exactly once in $header — update the mutation" >&2
    rows+=("| $name | $what | NOT APPLIED |")
    survivors=$((survivors + 1))
    continue
  fi
  t0=$(date +%s)
  failed=$(run_suite)
  rc=$?
  cp "$scratch/pristine" "$file"
  if [ "$rc" -ne 0 ]; then
    verdict="BUILD FAILED (the mutation does not compile)"
    survivors=$((survivors + 1))
  elif [ -n "$failed" ]; then
    verdict="caught by: $failed"
  else
    verdict="SURVIVED"
    survivors=$((survivors + 1))
  fi
  echo "mutation-check: $name: $verdict ($(( $(date +%s) - t0 )) s)"
  rows+=("| $name | $what | $verdict |")
done

table=$(printf '| mutation | what it breaks | result |\n|---|---|---|\n'; printf '%s\n' "${rows[@]}")
echo "$table"
[ -n "$report" ] && echo "$table" >"$report"
echo "mutation-check: $(( ${#rows[@]} - survivors )) of ${#rows[@]} mutations caught in $(( $(date +%s) - start )) s"
[ "$survivors" -eq 0 ]

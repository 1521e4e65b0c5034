#!/usr/bin/env bash
# Submits a whole study to Slurm as chained jobs:
#   1. one training array per configuration (the sound subject, then each mutation and
#      parameter), `shards` tasks each (train.sbatch: train_mutants --shard from the array);
#   2. one gen_acc job after all of them (--dependency=afterok), writing the accuracy files;
#   3. one analysis job after it (ratio, or the tools the study names), per mutation.
# Prints the job ids, how to follow them and where the logs go. Nothing of pmt needs editing for a
# site: partition, account, time, modules and any sbatch flag come from a site file or the
# environment.
#
# Usage: scripts/slurm/submit.sh STUDY [--data-root DIR] [--bin DIR] [--site FILE] [--dry-run]
#        scripts/slurm/submit.sh --paper [TARGET...] [--data-root DIR] [--bin DIR] [--site FILE]
#          the paper's figures and tables (paper/Makefile: motivating fig3 fig4 fig5 ratio_table;
#          default all of them), one job per target, outputs in DIR/paper (default paper/out)
#   STUDY      a text file, one setting per line ('#' starts a comment):
#                model mnist                      subject (built-in name, or see 'subject')
#                subject /path/my_model.json      a user's subject spec (optional)
#                instances 0-199                  instances per configuration
#                shards 20                        array tasks per configuration
#                seed 42                          (optional, default 42)
#                mutation change_label 3.12 9.38  a mutation and its parameters (one line each)
#                mutation change_activation_function elu
#                analysis ratio                   analysis tool and flags (default: ratio)
#                analysis posterior --hdi
#   --data-root  where trained_models/, raw_data/, analyses/ go (default: the current folder);
#                datasets in DIR/datasets (scripts/get_data.sh DIR) unless the study says
#                'data_dir /path'
#   --bin        the folder of pmt's executables (default: this checkout's build/tools)
#   --site FILE  a shell file sourced here, setting any of:
#                  PMT_SLURM_PARTITION, PMT_SLURM_ACCOUNT, PMT_SLURM_QOS
#                  PMT_SBATCH_ARGS     extra sbatch flags for every job (e.g. "--mail-type=FAIL")
#                  PMT_SBATCH_TRAIN, PMT_SBATCH_GEN_ACC, PMT_SBATCH_ANALYSE  flags per step
#                                      (e.g. PMT_SBATCH_TRAIN="--time=24:00:00 --mem=4G")
#                  PMT_SLURM_SETUP     a file every job sources first (module load ...)
#                (the same variables may simply be exported)
#   --dry-run    print the sbatch commands instead of submitting
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
study="" root="" bin="$here/../../build/tools" site="" dry=0 paper=0
while [ $# -gt 0 ]; do
  case "$1" in
    --paper) paper=1; shift ;;
    --data-root) root="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --site) site="$2"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "submit.sh: unknown flag '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$study" ] || [ "$paper" = 1 ] || { echo "submit.sh: one study file only" >&2; exit 2; }
       study="$study${study:+ }$1"; shift ;;
  esac
done
die() { echo "submit.sh: $*" >&2; exit 2; }
if [ -n "$site" ]; then
  [ -r "$site" ] || die "$site: cannot read the site file"
  # shellcheck disable=SC1090
  source "$site"
fi
[ -x "$bin/train_mutants" ] || die "$bin/train_mutants: not found (build pmt, or pass --bin DIR)"
bin="$(cd "$bin" && pwd)"
site_args=()
[ -z "${PMT_SLURM_PARTITION:-}" ] || site_args+=("--partition=$PMT_SLURM_PARTITION")
[ -z "${PMT_SLURM_ACCOUNT:-}" ] || site_args+=("--account=$PMT_SLURM_ACCOUNT")
[ -z "${PMT_SLURM_QOS:-}" ] || site_args+=("--qos=$PMT_SLURM_QOS")
read -r -a extra <<<"${PMT_SBATCH_ARGS:-}"
site_args+=("${extra[@]}")

submit() {  # submit STEP-FLAGS-VAR sbatch-args...: prints the job id
  local step_var="$1"
  shift
  read -r -a step <<<"${!step_var:-}"
  local cmd=(sbatch --parsable "${site_args[@]}" "${step[@]}" "$@")
  if [ "$dry" = 1 ]; then
    printf '%q ' "${cmd[@]}" >&2
    echo >&2
    echo "DRY$RANDOM"
  else
    "${cmd[@]}" | cut -d';' -f1
  fi
}

if [ "$paper" = 1 ]; then
  read -r -a targets <<<"${study:-motivating fig3 fig4 fig5 ratio_table}"
  out="$(realpath -m "${root:-$here/../../paper/out}")"
  [ -z "$root" ] || out="$out/paper"
  mkdir -p "$out/slurm_logs"
  ids=()
  for t in "${targets[@]}"; do
    case "$t" in motivating | fig3 | fig4 | fig5 | ratio_table | all) ;;
      *) die "unknown paper target '$t' (motivating, fig3, fig4, fig5, ratio_table, all)" ;; esac
    setup=""
    [ -z "${PMT_SLURM_SETUP:-}" ] || setup="source $(printf '%q' "$PMT_SLURM_SETUP") && "
    id=$(submit PMT_SBATCH_ANALYSE --job-name="pmt-paper-$t" --cpus-per-task=2 --mem=2G \
      --time=01:00:00 --output="$out/slurm_logs/%x_%j.out" \
      --wrap="${setup}make -C $(printf '%q' "$(realpath "$here/../../paper")") $t -j2 BIN=$(printf '%q' "$bin") OUT=$(printf '%q' "$out")")
    echo "paper $t: job $id"
    ids+=("$id")
  done
  echo "follow: squeue -j $(IFS=,; echo "${ids[*]}")    outputs: $out/    logs: $out/slurm_logs/"
  echo "jobs: ${ids[*]}"
  exit 0
fi

[ -n "$study" ] || die "a study file is required (see --help)"
[ -r "$study" ] || die "$study: cannot read the study file"
root="${root:-$PWD}"
mkdir -p "$root"
root="$(cd "$root" && pwd)"

model="" subject="" instances="" shards=1 seed=42 data_dir=""
configs=(original) muts=() analyses=()
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  line="${line%%#*}"
  read -r -a w <<<"$line"
  [ ${#w[@]} -gt 0 ] || continue
  where="$study:$line_no"
  case "${w[0]}" in
    model) [ ${#w[@]} = 2 ] || die "$where: model NAME"; model="${w[1]}" ;;
    subject) [ ${#w[@]} = 2 ] || die "$where: subject FILE"; subject="${w[1]}" ;;
    instances) [ ${#w[@]} = 2 ] || die "$where: instances RANGE (e.g. 0-199)"; instances="${w[1]}" ;;
    shards) [[ ${#w[@]} = 2 && "${w[1]}" =~ ^[1-9][0-9]*$ ]] || die "$where: shards N (N >= 1)"; shards="${w[1]}" ;;
    seed) [[ ${#w[@]} = 2 && "${w[1]}" =~ ^[0-9]+$ ]] || die "$where: seed N"; seed="${w[1]}" ;;
    data_dir) [ ${#w[@]} = 2 ] || die "$where: data_dir DIR"; data_dir="${w[1]}" ;;
    mutation)
      [ ${#w[@]} -ge 3 ] || die "$where: mutation NAME PARAM [PARAM...]"
      muts+=("${w[1]}")
      for p in "${w[@]:2}"; do configs+=("${w[1]}:$p"); done ;;
    analysis) [ ${#w[@]} -ge 2 ] || die "$where: analysis TOOL [FLAGS]"; analyses+=("${w[*]:1}") ;;
    *) die "$where: unknown setting '${w[0]}' (model, subject, instances, shards, seed, data_dir, mutation, analysis)" ;;
  esac
done <"$study"
[ -n "$model" ] || die "$study: no 'model' line"
[ -n "$instances" ] || die "$study: no 'instances' line"
[ ${#analyses[@]} -gt 0 ] || analyses=(ratio)

common=(--model "$model" --data-root "$root" --seed "$seed")
[ -z "$subject" ] || common+=(--subject "$(realpath "$subject")")
[ -z "$data_dir" ] || common+=(--data-dir "$(realpath "$data_dir")")
logs="$root/slurm_logs"
mkdir -p "$logs"
train_ids=()
for c in "${configs[@]}"; do
  if [ "$c" = original ]; then mut_args=(--mut original); name=original
  else mut_args=(--mut "${c%%:*}" --param "${c#*:}"); name="${c%%:*}_${c#*:}"; fi
  id=$(submit PMT_SBATCH_TRAIN --array="0-$((shards - 1))" --job-name="pmt-train-$name" \
    --output="$logs/%x_%A_%a.out" "$here/train.sbatch" "$bin" "${common[@]}" "${mut_args[@]}" \
    --instances "$instances")
  echo "training $name: job $id (array of $shards)"
  train_ids+=("$id")
done
deps=$(IFS=:; echo "${train_ids[*]}")
gen_acc_args=(--model "$model")
[ -z "$subject" ] || gen_acc_args+=(--subject "$(realpath "$subject")")
[ -z "$data_dir" ] || gen_acc_args+=(--data-dir "$(realpath "$data_dir")")
gen_id=$(submit PMT_SBATCH_GEN_ACC --dependency="afterok:$deps" --kill-on-invalid-dep=yes \
  --output="$logs/%x_%j.out" "$here/gen_acc.sbatch" "$bin" "$root" "$model" "${configs[@]}" -- \
  "${gen_acc_args[@]:2}")
echo "accuracy files: job $gen_id (after the training arrays)"
mutations=()
for m in "${muts[@]}"; do [[ " ${mutations[*]} " == *" $m "* ]] || mutations+=("$m"); done
ana_id=$(submit PMT_SBATCH_ANALYSE --dependency="afterok:$gen_id" --kill-on-invalid-dep=yes \
  --output="$logs/%x_%j.out" "$here/analyse.sbatch" "$bin" "$root" "$model" "${analyses[@]}" -- \
  "${mutations[@]}")
echo "analyses: job $ana_id (after the accuracy files) -> $root/analyses/$model/"
all=$(IFS=,; echo "${train_ids[*]},$gen_id,$ana_id")
echo "follow: squeue -j $all    logs: $logs/"
echo "jobs: ${train_ids[*]} $gen_id $ana_id"

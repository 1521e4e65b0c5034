#!/usr/bin/env bash
# A real one-node Slurm on this machine, all in one folder, loopback only (for the Slurm test and
# for trying scripts/slurm/submit.sh without a cluster):
#   scripts/slurm/local_cluster.sh start DIR   installs slurmctld, slurmd, munge and slurm-client
#                                              when missing, writes DIR/slurm.conf and cgroup.conf,
#                                              starts munged, slurmctld and slurmd (as root), waits
#                                              for the node to be idle; then `export
#                                              SLURM_CONF=DIR/slurm.conf` for sbatch and squeue
#   scripts/slurm/local_cluster.sh stop DIR    stops the daemons it started, by the pids in their
#                                              pid files (never by name)
# Ports: PMT_SLURM_PORT (default 16817) for slurmctld, +1 for slurmd. Debian bookworm's Slurm 22.05
# needs a cgroup plugin to start slurmd: cgroup/v1 with nothing constrained.
set -euo pipefail
cmd="${1:?usage: local_cluster.sh start|stop DIR}"
dir="${2:?usage: local_cluster.sh start|stop DIR}"

stop() {
  local f pid
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"; do
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi
[ "$cmd" = start ] || { echo "local_cluster.sh: unknown command '$cmd' (start or stop)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "local_cluster.sh: the daemons run as root here; run as root" >&2; exit 2; }

missing=()
for p in slurmctld:slurmctld slurmd:slurmd munged:munge sbatch:slurm-client; do
  command -v "${p%%:*}" >/dev/null || missing+=("${p#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "local_cluster.sh: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$dir/spool" "$dir/state"
dir="$(cd "$dir" && pwd)"
port=${PMT_SLURM_PORT:-16817}
host=$(hostname -s)
cpus=$(nproc)
mem=$(($(free -m | awk '/^Mem:/ {print $2}') * 3 / 4))

# munge: its own key and socket
head -c 1024 /dev/urandom >"$dir/munge.key"
chmod 400 "$dir/munge.key"
munged --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" --force

cat >"$dir/slurm.conf" <<EOF
ClusterName=pmt
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobRequeue=1
MpiDefault=none
SchedulerParameters=sched_interval=1
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=pmt Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$dir/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
IgnoreSystemd=yes
ConstrainCores=no
ConstrainRAMSpace=no
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -q '^idle'; then
    echo "local_cluster.sh: node $host idle (export SLURM_CONF=$SLURM_CONF)"
    exit 0
  fi
  sleep 0.5
done
echo "local_cluster.sh: the node did not become idle in 30 s; logs in $dir (slurmctld.log, slurmd.log)" >&2
stop
exit 1

#!/usr/bin/env bash
# Sourced by Tests/Slurm/run.sh and Tests/Slurm/measure.sh: starts a one-node Slurm cluster as root
# (munged as user munge, slurmctld and slurmd with every state, pid and log file in $work), exports
# SLURM_CONF, and stops the daemons by the pids in their pid files on exit (never by name).
if [ "$(id -u)" != 0 ]; then echo "slurm cluster: needs root (the one-node cluster runs its daemons as root)" >&2; exit 1; fi
for tool in munged slurmctld slurmd sbatch sinfo; do
    command -v "$tool" >/dev/null || { echo "slurm cluster: $tool not found; .ci/setup installs slurm-wlm and munge" >&2; exit 1; }
done
work=$(mktemp -d /tmp/bytelens-slurm.XXXXXX)
chmod 755 "$work"  # munged (user munge) must reach its folder inside
munge_pid="" 
cleanup() {
    for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid"; do
        [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    [ -n "$munge_pid" ] && kill "$munge_pid" 2>/dev/null || true
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# 1. munge: a fresh key, the daemon as user munge with its own socket and pid file in the work folder.
mkdir -p "$work/munge" /etc/munge
dd if=/dev/urandom of="$work/munge/munge.key" bs=1 count=1024 status=none
chown -R munge:munge "$work/munge"; chmod 711 "$work/munge"; chmod 400 "$work/munge/munge.key"
runuser -u munge -- munged --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"
for _ in $(seq 50); do [ -s "$work/munge/munged.pid" ] && break; sleep 0.1; done
munge_pid=$(cat "$work/munge/munged.pid")

# 2. A one-node cluster: this host, all its CPUs, most of its memory.
host=$(hostname)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
mkdir -p "$work/spool" "$work/state"
cat > "$work/slurm.conf" <<EOF
ClusterName=bytelens-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
# Schedule pending jobs (the merge job after its array) within seconds, not the default minute.
SchedulerParameters=sched_interval=2,bf_interval=1
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
    state=$(sinfo -h -o %t 2>/dev/null || true)
    [ "$state" = "idle" ] && break
    sleep 0.2
done
[ "$state" = "idle" ] || { echo "slurm test: node not idle (state '$state')"; cat "$work"/slurm*.log; exit 1; }
echo "slurm test: one-node cluster up ($host, $cpus CPUs, ${memory} MB)"


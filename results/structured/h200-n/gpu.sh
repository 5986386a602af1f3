#!/usr/bin/env bash
# Session N (2026-12-04 ~03:40 UTC), one H200: issue 18's 128-prompt structured search with
# --refit (every scored plan's down_proj re-fitted by least squares), a fresh run alone on the card.
# The model travels in 5 MB parts (.device/p9-part.aa..at). Calls: one, mid ab .. mid as,
# extra (wheels), main (last part; starts the search, waits), wait (waits, collects).
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; S=/root/struct
CLI="python3 -m evaluation.cli"
P=results/structured/h200-j
collect() {
  tar czf $OUT/struct.tgz -C /root --exclude="*.pt" --exclude="*.safetensors" --exclude="*.bin" struct inc 2>/dev/null
  for f in $S/*/metrics.csv; do echo "$f $(wc -l < $f) $(tail -1 $f | cut -d, -f1,3,6,7)"; done
  grep -h "held-out KL" $S/*.log; tail -c 400 $S/struct-p128.log; tail -n 4 /root/inc/*.log 2>/dev/null; ls -la $OUT
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    pgrep -f "evaluation.cli [t]rain|[i]ncumbent_check" > /dev/null || break
    sleep 10
  done
  collect
}
case "$1" in
one)
  rm -rf /root/cache/* $S; mkdir -p /root/cache $S && cp .device/p9-part.aa/part.aa /root/cache/ ;;
mid)
  cat .device/p9-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache | tail -1 ;;
extra)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2 ;;
main)
  cat .device/p9-part.at/part.at >> /root/cache/part.aa && mv /root/cache/part.aa $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  setsid nohup $CLI train --refit --student $G --device cuda --threads 1 --granularity channels --criterion wanda \
    --width-multiple 32 --seed 0 --no-progress --agent surrogate --max-ratio 0.625 --episodes ${3:-600} \
    --checkpoint-every 50 --modules gate_proj --target-sparsity 0.34 --batch-size 128 \
    --prompts $P/prompts-128.jsonl --out $S/struct-p128 > $S/struct-p128.log 2>&1 &
  sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
  waitloop ${2:-500} ;;
inc)  # issue 20: bench/incumbent_check.py on Wanda 20%, seeds 0-2 (one process each)
  mkdir -p /root/inc
  for S0 in 0 1 2; do
    setsid nohup python3 bench/incumbent_check.py --student $G --device cuda --threads 1 \
      --criterion wanda --target 0.2 --seed $S0 --out /root/inc/wanda0.2-s$S0 > /root/inc/wanda0.2-s$S0.log 2>&1 &
  done
  waitloop ${2:-500} ;;
wait)
  waitloop ${2:-540} ;;
esac

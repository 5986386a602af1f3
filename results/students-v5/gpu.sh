#!/usr/bin/env bash
# Session K (2026-12-03 ~18:45 UTC), one H200, three jobs side by side on the card:
# - issue 15: sft-v8 again, the full epoch that session J's last two device minutes cut to 0.41
#   (sft-v6 rebuilt from its adapters + SFT on data-v8, `.device/d8`); adapters come back.
# - issue 18: the structured search with 128 calibration prompts (results/structured/h200-j/),
#   600 episodes (what one window affords at ~1.6 s an episode), checkpoints every 50.
# - issue 20: SB3 PPO and SB3 A2C around the sensitivity plan (`sb3-ppo-prior`, `sb3-a2c-prior`)
#   on the board's magnitude-20% row, 2,000 episodes, seeds 0-2 (a2c-prior's run is leaderboard-v3).
# The model travels in 14 MB parts (.device/p7-part.aa..ah). Calls: one, mid ab .. mid ag,
# extra (wheels, data), adapter (sft-v6's adapters), main (last part; starts the jobs), wait.
# The first machine was given back after `main`; `one`, `mid`, `extra`, `lb` then re-ran the SB3 jobs.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/d8; R=/root/runs; S=/root/struct; L=/root/lb
CLI="python3 -m evaluation.cli"
P=results/structured/h200-j
collect() {
  [ -f $R/sft-v8/metrics.json ] && tar czf $OUT/sft-v8-adapters.tgz -C $R/sft-v8 adapters metrics.json
  cp $R/*.log $OUT/ 2>/dev/null
  tar czf $OUT/struct.tgz -C /root --exclude="*.pt" --exclude="*.ckpt" struct 2>/dev/null
  (cd /root && find lb -name "*.csv" -o -name "*.json" -o -name "*.md" -o -name "*.png" | tar czf $OUT/lb.tgz -T -)
  for f in $L/logs/*.log; do echo "$f: $(tail -c 200 $f | tr '\r\n' '  ' | tail -c 120)"; done
  for f in $S/*/metrics.csv; do echo "$f $(wc -l < $f) $(tail -1 $f | cut -d, -f1,3,7)"; done
  for f in $(find $L -name "anytime.csv" -path "*seed*"); do echo "$f $(tail -1 $f | cut -d, -f1,9,12)"; done | sed "s#$L/##" | sort
  grep -h "held-out KL" $S/*.log; tail -c 300 $R/sft-v8.log; ls -la $OUT
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    pgrep -f "evaluation.cli [t]rain|evaluation.cli [l]eaderboard|method [s]ft" > /dev/null || break
    sleep 10
  done
  collect
}
case "$1" in
one)
  rm -rf /root/cache/* $R $S $L /root/data; mkdir -p /root/cache $R $S $L/logs $D && cp .device/p7-part.aa/part.aa /root/cache/ ;;
mid)
  cat .device/p7-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache | tail -1 ;;
extra)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  for s in train test; do gunzip -c .device/d8/$s.jsonl.gz > $D/$s.jsonl; done; wc -l $D/*.jsonl ;;
adapter)
  cp -r .device/a6/round-1 /root/data/sft-v6-adapter ;;
main)
  cat .device/p7-part.ah/part.ah >> /root/cache/part.aa && mv /root/cache/part.aa $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  setsid nohup $CLI train --student $G --device cuda --threads 1 --granularity channels --criterion wanda \
    --width-multiple 32 --seed 0 --no-progress --agent surrogate --max-ratio 0.625 --episodes 600 \
    --checkpoint-every 50 --modules gate_proj --target-sparsity 0.34 --batch-size 128 \
    --prompts $P/prompts-128.jsonl --out $S/struct-p128 > $S/struct-p128.log 2>&1 &
  B="$CLI leaderboard --student $G --device cuda --threads 1 --episodes 2000 --criterion magnitude --targets 0.2"
  for a in sb3-ppo-prior sb3-a2c-prior; do for s in 0 1 2; do
    setsid nohup $B --agents $a --seeds $s --out $L/$a-s$s > $L/logs/$a-s$s.log 2>&1 &
  done; done
  $CLI finetune-merge --student $G --out $R/sft-v6-model --adapters /root/data/sft-v6-adapter 2>&1 | tail -1
  setsid nohup $CLI finetune --method sft --no-progress --logging-steps 50 --save-steps 100000 --student $R/sft-v6-model \
    --data $D --epochs 1 --time-limit 8 --out $R/sft-v8 > $R/sft-v8.log 2>&1 &
  sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
  waitloop ${2:-460} ;;
lb)  # second machine (the first was given back while idle): the SB3 runs alone
  cat .device/p7-part.ah/part.ah >> /root/cache/part.aa && mv /root/cache/part.aa $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  B="$CLI leaderboard --student $G --device cuda --threads 1 --episodes 2000 --criterion magnitude --targets 0.2"
  for a in sb3-ppo-prior sb3-a2c-prior; do for s in 0 1 2; do
    setsid nohup $B --agents $a --seeds $s --out $L/$a-s$s > $L/logs/$a-s$s.log 2>&1 &
  done; done
  sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
  waitloop ${2:-460} ;;
wait)
  waitloop ${2:-500} ;;
esac

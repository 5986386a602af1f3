#!/usr/bin/env bash
# Session B (2026-12-03 ~01:15): sft-v4 again (its weights were lost with session A's machine),
# best-of-8 hints on the 80 blind programs, Figure 7 with sft-v4, the leaderboard's learned agent
# vs evolution, and issue 19's SmolLM2 speed runs.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/grounded; R=/root/runs; L=/root/lb
CLI="python3 -m evaluation.cli"
case "$1" in
one)
  mkdir -p /root/cache $D $R $L && cp .device/model-a/part.aa /root/cache/
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  nvidia-smi --query-gpu=name,memory.used --format=csv ;;
two)
  for f in train test; do gunzip -c .device/data/grounded/$f.jsonl.gz > $D/$f.jsonl; done; wc -l $D/*.jsonl
  cat .device/model-b/part.* >> /root/cache/part.aa && mv /root/cache/part.aa $G && md5sum $G
  python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
  setsid nohup $CLI finetune --student $G --method sft --data $D --epochs 2 --time-limit 8 --out $R/sft-v4 \
    --no-progress --logging-steps 50 --save-steps 100000 > $R/sft-v4.log 2>&1 &
  setsid nohup bash .device/lb.sh > /root/lb.log 2>&1 &
  sleep 45; tail -c 300 $R/sft-v4.log; tail -c 300 /root/lb.log ;;
wait)
  end=$((SECONDS + ${2:-300}))
  while pgrep -f "method sft" > /dev/null && [ $SECONDS -lt $end ]; do sleep 10; done
  grep -E "train_runtime|eval_loss" $R/sft-v4.log | tail -2; tail -c 300 $R/sft-v4.log
  bash .device/sB.sh collect ;;
collect)
  tar czf $OUT/lb.tgz -C /root lb lb.log 2>/dev/null
  for f in $(find $L -name "anytime.csv" -path "*seed*"); do echo "$f $(tail -1 $f | cut -d, -f1,9,12)"; done | sed "s#$L/##" | sort ;;
hints)
  tar czf $OUT/sft-v4-adapters.tgz -C $R/sft-v4 adapters metrics.json 2>/dev/null; ls -la $OUT
  C=results/hint-labels-v2/cases.jsonl; H=$R/hints-best8.jsonl
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H --student sft-v4=$R/sft-v4 \
    --candidates 8 --seed 0 2>&1 | grep "^{\|Error"
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $R/hints-greedy.jsonl \
    --student sft-v4=$R/sft-v4 2>&1 | grep "^{\|Error"
  gzip -c $H > $OUT/hints-best8.jsonl.gz; cp $R/hints-greedy.jsonl $OUT/ ;;
fig7)
  $CLI experiment --base $G --dpo $R/sft-v4 --plan results/hint-labels/plan-evolution-seed0.json \
    --levels 0,2.1,6.2,10.3 --data $D/test.jsonl --limit 256 --seed 0 --judge offline \
    --max-new-tokens 128 --generation-batch-size 128 --device cuda --out $R/fig7 --no-progress 2>&1 | tail -3
  tar czf $OUT/fig7.tgz -C $R fig7 ;;
speed)
  pkill -f "bash .device/l[b].sh"; pkill -f "evaluation.cli [l]eaderboard"; sleep 2
  python3 bench/env_speed.py --students $G --devices cuda --dtypes float32 --batch-plans 1,8,32,128 \
    --vector-envs 8,32,128 --episodes 200 --warmup 3 --naive-episodes 3 --floor-repeats 20 \
    --batched-repeats 3 --threads 8 --out $OUT/env_speed 2>&1 | grep -v "it/s\]" | tail -15
  python3 bench/cuda_exact.py --student $G --device cuda --plans 32 --chunk 16 --threads 8 \
    --out $OUT/cuda_exact.json 2>&1 | tail -12 ;;
esac

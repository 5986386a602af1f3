#!/usr/bin/env bash
# Session A (2026-12-03 ~00:10): student round 2 trained alone (SFT 2 epochs -> DPO; ORPO),
# hints on the 80 blind programs, and the leaderboard's evolution/psrl/RL runs in one process.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/grounded; R=/root/runs; L=/root/lb
CLI="python3 -m evaluation.cli"
FT="--no-progress --logging-steps 50 --save-steps 100000"
case "$1" in
one)
  mkdir -p /root/cache $D $R $L && cp .device/model-a/part.aa /root/cache/
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  for f in train test; do gunzip -c .device/data/grounded/$f.jsonl.gz > $D/$f.jsonl; done
  wc -l $D/*.jsonl; nvidia-smi --query-gpu=name,memory.used --format=csv ;;
two)
  cat .device/model-b/part.* >> /root/cache/part.aa && mv /root/cache/part.aa $G && md5sum $G
  python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
  setsid nohup bash -c "$CLI finetune --student $G --method sft --data $D --epochs 2 --time-limit 8 --out $R/sft-v4 $FT > $R/sft-v4.log 2>&1; \
    $CLI finetune --student $R/sft-v4 --method dpo --data $D --epochs 1 --time-limit 3 --out $R/sftdpo $FT > $R/sftdpo.log 2>&1" > /dev/null 2>&1 &
  setsid nohup $CLI finetune --student $G --method orpo --data $D --epochs 1 --learning-rate 2e-4 --time-limit 6 --out $R/orpo $FT > $R/orpo.log 2>&1 &
  setsid nohup bash -c "for row in 'magnitude 0.2' 'magnitude 0.3' 'wanda 0.2' 'wanda 0.3' 'wanda 0.5'; do set -- \$row; \
    $CLI leaderboard --out $L --student $G --device cuda --threads 2 --criterion \$1 --targets \$2 --agents evolution --seeds 0,1,2 > $L-evo-\$1-\$2.log 2>&1; done; \
    $CLI leaderboard --out $L --student $G --device cuda --threads 2 --criterion magnitude --targets 0.2 --agents a2c,sb3-ppo,sb3-a2c --seeds 0,1,2 > $L-rl.log 2>&1" > /dev/null 2>&1 &
  sleep 60; tail -c 400 $R/sft-v4.log; tail -c 300 $R/orpo.log; ls $L ;;
wait)
  end=$((SECONDS + ${2:-300}))
  while pgrep -f "method (sft|dpo|orpo)" > /dev/null && [ $SECONDS -lt $end ]; do sleep 10; done
  for f in $R/*.log; do echo "== $f"; grep -E "train_runtime|eval_loss|Error|error" $f | tail -3; tail -c 200 $f; echo; done
  tar czf $OUT/lb.tgz -C /root lb $(cd /root && ls lb-*.log) 2>/dev/null; ls -la $OUT
  for f in $(find $L -name "anytime.csv"); do echo "$f $(wc -l < $f)"; done | sed "s#$L/##" | sort | tail -20 ;;
hints)
  C=results/hint-labels-v2/cases.jsonl; P=results/hint-labels/plan-evolution-seed0.json; H=$R/hints-v3.jsonl
  S=""; for s in sft-v4 orpo sftdpo; do [ -f $R/$s/config.json ] && S="$S --student $s=$R/$s"; done; echo "students:$S"
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H $S 2>&1 | grep "^{\|Error"
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H --student sft-v4=$R/sft-v4 --plan $P --level 10.3 2>&1 | grep "^{\|Error"
  cp $H $OUT/; for s in sft-v4 orpo sftdpo; do cp $R/$s/metrics.json $OUT/$s-metrics.json 2>/dev/null; cp $R/$s.log $OUT/ 2>/dev/null; done; wc -l $H ;;
esac

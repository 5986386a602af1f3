#!/usr/bin/env bash
# Session E (2026-12-03 ~06:50): sft-v4 again (weights lost with the last machine) and its raw
# hints on blind set 3, beside the leaderboard (surrogate-evo adaptive, evolution at 2000) and a
# structured surrogate-evo plan. Every call copies results to $OUT.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/grounded; R=/root/runs; L=/root/lb4
CLI="python3 -m evaluation.cli"
collect() {
  tar czf $OUT/lb4.tgz -C /root --exclude="*.pt" --exclude="*.ckpt" lb4 2>/dev/null
  for f in $(find $L -name "anytime.csv" -path "*seed*"); do echo "$f $(tail -1 $f | cut -d, -f1,9,12)"; done | sed "s#$L/##" | sort | tail -40
  [ -f $R/sft-v4/metrics.json ] && tar czf $OUT/sft-v4-adapters.tgz -C $R/sft-v4 adapters metrics.json 2>/dev/null
  [ -f $R/hints3.jsonl ] && cp $R/hints3.jsonl $OUT/
  cp $R/*.log $OUT/ 2>/dev/null; ls -la $OUT
}
hints() {  # once, after the SFT run ends
  [ -f $R/hints.done ] && return
  C=results/hint-labels-v4/cases.jsonl; H=$R/hints3.jsonl
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H --student sft-v4=$R/sft-v4 \
    --student base=$G --device cuda 2>&1 | grep "^{\|Error"
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H --student sft-v4=$R/sft-v4 \
    --plan results/hint-labels/plan-evolution-seed0.json --level 10.3 --device cuda 2>&1 | grep "^{\|Error"
  touch $R/hints.done; wc -l $H
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    if ! pgrep -f "method [s]ft" > /dev/null && [ -f $R/sft-v4/metrics.json ]; then hints; fi
    pgrep -f "evaluation.cli [l]eaderboard|evaluation.cli [t]rain|method [s]ft" > /dev/null || break
    sleep 10
  done
  grep -E "train_runtime|eval_loss" $R/sft-v4.log | tail -2; tail -c 300 $R/sft-v4.log; collect
}
case "$1" in
one)
  mkdir -p /root/cache $D $R $L/logs && cp .device/m1/part.aa /root/cache/
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  nvidia-smi --query-gpu=name,memory.used --format=csv ;;
mid)
  cat .device/m2/part.ab >> /root/cache/part.aa; ls -la /root/cache ;;
main)
  cat .device/m3/part.ac >> /root/cache/part.aa && mv /root/cache/part.aa $G && md5sum $G
  python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
  $CLI data build --out /root/data-v3 --seed 0 --programs 1500 --per-kind 1 --workers 14 --no-progress 2>&1 | tail -2
  python3 results/students-v2/prepare_data.py /root/data-v3 /root/data/gz
  for f in train test; do gunzip -c /root/data/gz/$f.jsonl.gz > $D/$f.jsonl; done; wc -l $D/*.jsonl
  setsid nohup $CLI finetune --student $G --method sft --data $D --epochs 2 --time-limit 8 --out $R/sft-v4 \
    --no-progress --logging-steps 50 --save-steps 100000 > $R/sft-v4.log 2>&1 &
  B="$CLI leaderboard --student $G --device cuda --threads 1"
  lb() { echo "$B --out $L/$1-$2 --criterion $3 --targets $4 --agents $5 --episodes 2000 --seeds 0,1,2 > $L/logs/$1-$2.log 2>&1"; }
  S="$CLI train --student $G --device cuda --threads 1 --granularity channels --modules gate_proj --criterion wanda --max-ratio 0.625 --target-sparsity 0.34 --batch-size 16 --episodes 2000 --seed 0 --no-progress"
  # three chains beside the SFT run (ten processes on one card starved training before)
  setsid nohup bash -c "$(lb se m20 magnitude 0.2 surrogate-evo); $(lb se w20 wanda 0.2 surrogate-evo); $(lb evo w30 wanda 0.3 evolution)" > /dev/null 2>&1 &
  setsid nohup bash -c "$(lb se m30 magnitude 0.3 surrogate-evo); $(lb se w30 wanda 0.3 surrogate-evo); $S --agent surrogate-evo --out $L/struct/surrogate-evo > $L/logs/struct-se.log 2>&1" > /dev/null 2>&1 &
  setsid nohup bash -c "$(lb se w50 wanda 0.5 surrogate-evo); $(lb evo w20 wanda 0.2 evolution); $S --agent evolution --out $L/struct/evolution > $L/logs/struct-evo.log 2>&1" > /dev/null 2>&1 &
  waitloop ${2:-400} ;;
wait)
  waitloop ${2:-500} ;;
esac

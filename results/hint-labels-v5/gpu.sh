#!/usr/bin/env bash
# Session F (2026-12-03 ~09:20): re-train sft-v4 from data built on CPU (carried), its raw hints
# and SmolLM2's on blind set 4 (never printed here), beside the leaderboard's missing rows
# (evolution Wanda 30% at 2000; seed 2 of surrogate-evo Wanda 20% / 30%). Every call copies
# results to $OUT.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/grounded; R=/root/runs; L=/root/lb5
CLI="python3 -m evaluation.cli"
collect() {
  tar czf $OUT/lb5.tgz -C /root --exclude="*.pt" --exclude="*.ckpt" lb5 2>/dev/null
  for f in $(find $L -name "anytime.csv" -path "*seed*"); do echo "$f $(tail -1 $f | cut -d, -f1,9,12)"; done | sed "s#$L/##" | sort | tail -40
  [ -f $R/sft-v4/metrics.json ] && tar czf $OUT/sft-v4-adapters.tgz -C $R/sft-v4 adapters metrics.json 2>/dev/null
  [ -f $R/hints4.jsonl ] && gzip -c $R/hints4.jsonl > $OUT/raw-hints4.jsonl.gz
  cp $R/*.log $OUT/ 2>/dev/null; ls -la $OUT
}
hints() {  # once, after the SFT run ends; output is a blind set: not printed
  [ -f $R/hints.done ] && return
  C=results/hint-labels-v5/cases.jsonl; H=$R/hints4.jsonl
  python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $H --student sft-v4=$R/sft-v4 \
    --student base=$G --plan results/hint-labels/plan-evolution-seed0.json --level 10.3 --device cuda > $R/hints4.log 2>&1
  touch $R/hints.done; wc -l $H; grep -c . $R/hints4.log; grep -i "error" $R/hints4.log | head -3
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    if ! pgrep -f "method [s]ft" > /dev/null && [ -f $R/sft-v4/metrics.json ]; then hints; fi
    pgrep -f "evaluation.cli [l]eaderboard|method [s]ft|[g]enerate.py" > /dev/null || break
    sleep 10
  done
  grep -E "train_runtime|eval_loss" $R/sft-v4.log | tail -2; tail -c 300 $R/sft-v4.log; collect
}
case "$1" in
one)
  rm -rf /root/cache/* $R/* $L; mkdir -p /root/cache $D $R $L/logs && cp .device/m1/part.aa /root/cache/; nvidia-smi --query-gpu=name,memory.used --format=csv ;;
mid)
  cat .device/m2/part.ab >> /root/cache/part.aa; ls -la /root/cache ;;
main)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  python3 -m evaluation.cli --version
  cat .device/m3/part.ac >> /root/cache/part.aa && mv /root/cache/part.aa $G && md5sum $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
  for f in train test; do gunzip -c .device/data/$f.jsonl.gz > $D/$f.jsonl; done; wc -l $D/*.jsonl
  setsid nohup $CLI finetune --student $G --method sft --data $D --epochs 2 --time-limit 8 --out $R/sft-v4 \
    --no-progress --logging-steps 50 --save-steps 100000 > $R/sft-v4.log 2>&1 &
  B="$CLI leaderboard --student $G --device cuda --threads 1"
  lb() { echo "$B --out $L/$1-$2 --criterion $3 --targets $4 --agents $5 --episodes 2000 --seeds $6 > $L/logs/$1-$2.log 2>&1"; }
  setsid nohup bash -c "$(lb evo w30 wanda 0.3 evolution 0,1,2)" > /dev/null 2>&1 &
  setsid nohup bash -c "$(lb se w20s2 wanda 0.2 surrogate-evo 2)" > /dev/null 2>&1 &
  setsid nohup bash -c "$(lb se w30s2 wanda 0.3 surrogate-evo 2)" > /dev/null 2>&1 &
  waitloop ${2:-500} ;;
wait)
  waitloop ${2:-500} ;;
esac

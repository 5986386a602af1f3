#!/usr/bin/env bash
# Session I (2026-12-03 ~15:35): sft-v6, SmolLM2 + SFT on the distilled pairs (`llm-prune data
# distill` of the build's 6,774 pairs and the 530 hand-written ones: the chosen hint is the
# rule-based pipeline's, diagnosis on the known line, else facts). Adapters come back; the hints
# for blind set 9 are written on the CPU afterwards. Calls: one, mid ab, mid ac, extra (wheels,
# .device/d6), main (last part; trains, up to 6 minutes), wait.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/distill; R=/root/runs
CLI="python3 -m evaluation.cli"
collect() {
  [ -f $R/sft-v6/metrics.json ] && tar czf $OUT/sft-v6-adapters.tgz -C $R/sft-v6 adapters metrics.json
  grep -E "train_runtime|eval_loss" $R/sft-v6.log | tail -2; tail -c 400 $R/sft-v6.log; cp $R/sft-v6.log $OUT/; ls -la $OUT
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    pgrep -f "method [s]ft" > /dev/null || break
    sleep 5
  done
  collect
}
case "$1" in
one)
  rm -rf /root/cache/* $R /root/data; mkdir -p /root/cache $R $D && cp .device/n-part.aa/part.aa /root/cache/ ;;
mid)
  cat .device/n-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache ;;  # mid ab, then mid ac
extra)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  for s in train test; do gunzip -c .device/d6/$s.jsonl.gz > $D/$s.jsonl; done; wc -l $D/*.jsonl ;;
main)
  cat .device/n-part.ad/part.ad >> /root/cache/part.aa && mv /root/cache/part.aa $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  setsid nohup $CLI finetune --method sft --no-progress --logging-steps 50 --save-steps 100000 --student $G \
    --data $D --epochs 2 --time-limit 5 --out $R/sft-v6 > $R/sft-v6.log 2>&1 &
  waitloop 380 ;;
wait)
  waitloop ${2:-300} ;;
esac

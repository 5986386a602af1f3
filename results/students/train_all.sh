#!/usr/bin/env bash
# Trains five hint students side by side on one GPU (results/students/README.md).
# Run from the repo root on the GPU machine after the model and wheels are in place:
#   bash results/students/train_all.sh            # starts the runs in the background
#   bash results/students/train_all.sh wait N     # waits up to N seconds for them
set -u
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf
D=/root/data
R=/root/runs
if [ "${1:-}" = wait ]; then
  end=$((SECONDS + ${2:-500}))
  while pgrep -f "llm_prune_gym.cli finetune" >/dev/null && [ $SECONDS -lt $end ]; do sleep 10; done
  for f in $R/*.log; do echo "== $f"; grep -E "train_runtime|eval_loss|Error|error" "$f" | tail -3; done
  exit 0
fi
mkdir -p $D $R
for s in grounded plain; do
  mkdir -p $D/$s
  for f in train test; do gunzip -c .device/data/$s/$f.jsonl.gz > $D/$s/$f.jsonl; done
done
# Convert the GGUF once, so the parallel runs read the cached copy instead of racing to write it.
python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
run() {
  name=$1; shift
  OMP_NUM_THREADS=2 setsid nohup python3 -m llm_prune_gym.cli finetune --student $G \
    --out $R/$name --no-progress --logging-steps 20 --save-steps 100000 "$@" > $R/$name.log 2>&1 &
}
# Each run ends within its --time-limit minutes per stage (then evaluates, merges, saves).
run sft-grounded --method sft --data $D/grounded --epochs 2 --time-limit 6
run sftdpo-grounded --method sft+dpo --data $D/grounded --sft-epochs 2 --epochs 1 --time-limit 3.3
run dpo-grounded --method dpo --data $D/grounded --epochs 2 --time-limit 6.3
run orpo-grounded --method orpo --data $D/grounded --epochs 2 --time-limit 6.3
run sftdpo-plain --method sft+dpo --data $D/plain --sft-epochs 2 --epochs 1 --time-limit 3.3
sleep 5; ls $R

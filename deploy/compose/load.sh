#!/bin/sh
# Drives the live story of the demo, for at most 24 hours: more concurrent chat requests than the INT4
# simulator has slots (its queue builds and its KV cache fills), a comfortable load on the BF16 one.
# Every prompt is different and about 300 tokens long, so it fills KV-cache blocks of its own instead
# of hitting the prefix cache.
#   INT4_URL, BF16_URL       the simulators' base URLs (compose: http://vllm-int4:8000, http://vllm-bf16:8000)
#   INT4_LOOPS, BF16_LOOPS   concurrent request loops (default 10 against 6 slots, 4 against 12 slots)
set -u
: "${INT4_URL:?}" "${BF16_URL:?}"
end=$(( $(date +%s) + 86400 ))
text="Compare the cost per million output tokens of a quantized model on one GPU with a full precision model on four GPUs, taking queueing, time to first token and inter-token latency into account."
long="$text $text $text $text $text $text $text $text $text $text"
run() { # url model loop
  n=0
  while [ "$(date +%s)" -lt "$end" ]; do
    n=$((n + 1))
    curl -s -o /dev/null -m 120 -H 'Content-Type: application/json' \
      -d "{\"model\":\"$2\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Request $n of loop $3 at $(date +%s): $long\"}]}" \
      "$1/v1/chat/completions" || sleep 1
  done
}
i=0
while [ "$i" -lt "${INT4_LOOPS:-10}" ]; do i=$((i + 1)); run "$INT4_URL" mistral-3-int4 "$i" & done
i=0
while [ "$i" -lt "${BF16_LOOPS:-4}" ]; do i=$((i + 1)); run "$BF16_URL" mistral-3-bf16 "$i" & done
wait

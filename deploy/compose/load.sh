#!/bin/sh
# Drives a steady, bounded chat load at both simulators so the live panels move: one request per
# model every 0.5 s, with 4 concurrent loops, for at most 24 hours.
end=$(( $(date +%s) + 86400 ))
run() {
  while [ "$(date +%s)" -lt "$end" ]; do
    curl -s -o /dev/null -m 60 -H 'Content-Type: application/json' \
      -d "{\"model\":\"$2\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Explain quantization in one paragraph.\"}]}" \
      "http://$1:8000/v1/chat/completions"
    sleep 0.5
  done
}
for i in 1 2; do
  run vllm-int4 mistral-3-int4 &
  run vllm-bf16 mistral-3-bf16 &
done
wait

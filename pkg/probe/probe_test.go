package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// script is how the test server streams one model's answer.
type script struct {
	ttft       time.Duration // before the first output chunk (after the role-only chunk)
	itl        time.Duration // between output chunks
	tokens     []string      // one chunk each
	usage      bool          // send the usage chunk when the request asks for it
	errorAfter int           // > 0: send an error event after this many tokens instead of finishing
	status     int           // != 0: answer with this status and a vLLM error body instead of streaming
	hang       bool          // never answer until the client goes away
}

// openAIServer is an OpenAI-compatible streaming chat server, the way vLLM answers
// /v1/chat/completions with stream=true: SSE "data:" lines, a role-only first chunk, one chunk per
// token, a finish chunk, an optional usage chunk and "data: [DONE]".
type openAIServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]map[string]any // model → decoded request body
	arrived  chan string               // one send per request, before it is answered
}

func newOpenAIServer(t *testing.T, scripts map[string]script, barrier int) *openAIServer {
	t.Helper()
	s := &openAIServer{requests: map[string]map[string]any{}, arrived: make(chan string, 16)}
	// barrier > 0 holds every answer until that many requests are in flight: a client that asks
	// one model after the other gets 503 from the first.
	allArrived := make(chan struct{})
	var arrivals sync.WaitGroup
	arrivals.Add(barrier)
	go func() { arrivals.Wait(); close(allArrived) }()
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		model, _ := body["model"].(string)
		s.mu.Lock()
		s.requests[model] = body
		s.mu.Unlock()
		s.arrived <- model
		if barrier > 0 {
			arrivals.Done()
			select {
			case <-allArrived:
			case <-time.After(5 * time.Second):
				http.Error(w, "requests were not concurrent", http.StatusServiceUnavailable)
				return
			}
		}
		sc, ok := scripts[model]
		if !ok {
			sc = script{status: http.StatusNotFound}
		}
		s.serve(w, r, model, sc)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *openAIServer) serve(w http.ResponseWriter, r *http.Request, model string, sc script) {
	if sc.status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(sc.status)
		// vLLM's error body: a top-level object, not OpenAI's {"error": {...}}.
		fmt.Fprintf(w, `{"object":"error","message":"The model %s does not exist.","type":"NotFoundError","param":null,"code":%d}`, model, sc.status)
		return
	}
	if sc.hang {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher := w.(http.Flusher)
	send := func(v string) {
		fmt.Fprintf(w, "data: %s\n\n", v)
		flusher.Flush()
	}
	chunk := func(delta, finish string) string {
		fin := "null"
		if finish != "" {
			fin = fmt.Sprintf("%q", finish)
		}
		return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":%q,"choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}`, model, delta, fin)
	}
	send(chunk(`{"role":"assistant","content":""}`, ""))
	for i, tok := range sc.tokens {
		if i == 0 {
			time.Sleep(sc.ttft)
		} else {
			time.Sleep(sc.itl)
		}
		if sc.errorAfter > 0 && i == sc.errorAfter {
			send(`{"error":{"message":"engine dead: CUDA error","type":"InternalServerError","code":500}}`)
			return
		}
		content, _ := json.Marshal(tok)
		send(chunk(fmt.Sprintf(`{"content":%s}`, content), ""))
	}
	send(chunk(`{}`, "length"))
	s.mu.Lock()
	opts, _ := s.requests[model]["stream_options"].(map[string]any)
	s.mu.Unlock()
	if sc.usage && opts["include_usage"] == true {
		send(fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":%q,"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":%d,"total_tokens":%d}}`, model, len(sc.tokens), 12+len(sc.tokens)))
	}
	send("[DONE]")
}

func (s *openAIServer) endpoint(model string) (string, error) { return s.URL + "/v1", nil }

func (s *openAIServer) request(model string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[model]
}

// Timing assertions use only lower bounds the server guarantees (it sleeps at least that long):
// a loaded CI machine can make every interval longer, never shorter, so no upper bound is asserted.
func assertAtLeast(t *testing.T, name string, gotMs float64, atLeast time.Duration) {
	t.Helper()
	got := time.Duration(gotMs * float64(time.Millisecond))
	assert.GreaterOrEqual(t, got, atLeast-2*time.Millisecond, "%s: %v is shorter than the server's delay %v", name, got, atLeast)
}

// assertIntervalsNest checks that the measured intervals are the ones their names promise, whatever
// the machine's load: the first token comes after TTFT, the last one (chunks-1) mean gaps later, and
// the stream ends after that. A TTFT or ITL that spans the wrong interval breaks the sum.
func assertIntervalsNest(t *testing.T, name string, r Result) {
	t.Helper()
	assert.LessOrEqual(t, r.TTFTMs+r.ITLMs*float64(r.Chunks-1), r.TotalMs+0.001,
		"%s: TTFT %v ms + %d gaps of %v ms exceed the total %v ms", name, r.TTFTMs, r.Chunks-1, r.ITLMs, r.TotalMs)
}

func TestRunMeasuresEachModelSideBySide(t *testing.T) {
	srv := newOpenAIServer(t, map[string]script{
		"mistral-3-int4": {ttft: 80 * time.Millisecond, itl: 30 * time.Millisecond, tokens: []string{"Hello", ",", " wörld", "!", " Bye"}, usage: true},
		"mistral-3-bf16": {ttft: 200 * time.Millisecond, itl: 60 * time.Millisecond, tokens: []string{"Hi", " there", "."}},
	}, 2) // both requests must be in flight at once, or the server never answers
	req := Request{Models: []string{"mistral-3-int4", "mistral-3-bf16"}, Prompt: "Say hello", MaxTokens: 64}

	results, err := Run(context.Background(), srv.Client(), "", srv.endpoint, req)
	require.NoError(t, err)
	require.Len(t, results, 2)

	int4, bf16 := results[0], results[1]
	assert.Equal(t, "mistral-3-int4", int4.Model)
	assert.Empty(t, int4.Error)
	assert.Equal(t, srv.URL+"/v1", int4.Endpoint)
	assert.Equal(t, "Hello, wörld! Bye", int4.Text)
	assert.False(t, int4.Truncated)
	assert.Equal(t, 5, int4.Tokens)
	assert.Equal(t, TokensFromUsage, int4.TokensSource)
	assert.Equal(t, 12, int4.PromptTokens)
	assert.Equal(t, 5, int4.Chunks)
	assert.Equal(t, "length", int4.FinishReason)
	assertAtLeast(t, "int4 TTFT", int4.TTFTMs, 80*time.Millisecond)
	assertAtLeast(t, "int4 ITL", int4.ITLMs, 30*time.Millisecond)
	assertAtLeast(t, "int4 total", int4.TotalMs, 80*time.Millisecond+4*30*time.Millisecond)
	assertIntervalsNest(t, "int4", int4)

	assert.Equal(t, "mistral-3-bf16", bf16.Model)
	assert.Empty(t, bf16.Error)
	assert.Equal(t, "Hi there.", bf16.Text)
	assert.Equal(t, 3, bf16.Tokens)
	assert.Equal(t, TokensFromChunks, bf16.TokensSource, "no usage chunk: the token count is the chunk count")
	assert.Zero(t, bf16.PromptTokens)
	assertAtLeast(t, "bf16 TTFT", bf16.TTFTMs, 200*time.Millisecond)
	assertAtLeast(t, "bf16 ITL", bf16.ITLMs, 60*time.Millisecond)
	assertIntervalsNest(t, "bf16", bf16)

	body := srv.request("mistral-3-int4")
	assert.Equal(t, true, body["stream"])
	assert.Equal(t, map[string]any{"include_usage": true}, body["stream_options"])
	assert.EqualValues(t, 64, body["max_tokens"])
	assert.Equal(t, []any{map[string]any{"role": "user", "content": "Say hello"}}, body["messages"])
}

func TestRunReportsFailuresPerModel(t *testing.T) {
	srv := newOpenAIServer(t, map[string]script{
		"good":   {ttft: 10 * time.Millisecond, itl: 10 * time.Millisecond, tokens: []string{"a", "b"}, usage: true},
		"broken": {ttft: 10 * time.Millisecond, itl: 10 * time.Millisecond, tokens: []string{"x", "y", "z"}, errorAfter: 2},
		// "missing" has no script: the server answers 404 like vLLM for an unknown model.
	}, 0)
	endpoints := func(model string) (string, error) {
		if model == "unrouted" {
			return "", fmt.Errorf("no endpoint for %s", model)
		}
		return srv.endpoint(model)
	}
	req := Request{Models: []string{"good", "missing", "broken", "unrouted"}, Prompt: "hi"}

	results, err := Run(context.Background(), srv.Client(), "", endpoints, req)
	require.NoError(t, err)
	require.Len(t, results, 4)

	assert.Empty(t, results[0].Error)
	assert.Equal(t, "ab", results[0].Text)
	assert.EqualValues(t, DefaultMaxTokens, srv.request("good")["max_tokens"], "maxTokens 0 means the default")

	assert.Equal(t, "missing", results[1].Model)
	assert.Contains(t, results[1].Error, "answered HTTP 404")
	assert.Contains(t, results[1].Error, "The model missing does not exist.")
	assert.Zero(t, results[1].Chunks)

	assert.Contains(t, results[2].Error, "engine dead: CUDA error")
	assert.Equal(t, "xy", results[2].Text, "what arrived before the error is kept")
	assert.Equal(t, 2, results[2].Chunks)

	assert.Equal(t, "no endpoint for unrouted", results[3].Error)
	assert.Empty(t, results[3].Endpoint)
}

func TestRunStopsAtTheDeadline(t *testing.T) {
	srv := newOpenAIServer(t, map[string]script{
		"stuck": {hang: true},
		"quick": {tokens: []string{"ok"}},
	}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	results, err := Run(ctx, srv.Client(), "", srv.endpoint, Request{Models: []string{"stuck", "quick"}, Prompt: "hi"})
	require.NoError(t, err)
	assert.Contains(t, results[0].Error, "did not finish the answer before the deadline")
	assert.Empty(t, results[1].Error)
	assert.Equal(t, "ok", results[1].Text)
}

func TestRunBoundsTheReturnedText(t *testing.T) {
	big := strings.Repeat("ü", 3000) // 6000 bytes per chunk, 2-byte runes
	srv := newOpenAIServer(t, map[string]script{"chatty": {tokens: []string{big, big, big, big}}}, 0)

	results, err := Run(context.Background(), srv.Client(), "", srv.endpoint, Request{Models: []string{"chatty"}, Prompt: "talk"})
	require.NoError(t, err)
	res := results[0]
	assert.Empty(t, res.Error)
	assert.True(t, res.Truncated)
	assert.LessOrEqual(t, len(res.Text), MaxTextBytes)
	assert.Greater(t, len(res.Text), MaxTextBytes-2)
	assert.True(t, utf8.ValidString(res.Text), "cut on a rune boundary")
	assert.Equal(t, 4, res.Chunks, "the stream is read to the end after the text is full")
}

func TestRunRejectsInvalidRequests(t *testing.T) {
	srv := newOpenAIServer(t, nil, 0)
	called := false
	endpoints := func(model string) (string, error) { called = true; return srv.endpoint(model) }
	for _, tc := range []struct {
		name string
		req  Request
		want string
	}{
		{"no models", Request{Prompt: "hi"}, "models is empty"},
		{"too many models", Request{Models: []string{"a", "b", "c", "d", "e"}, Prompt: "hi"}, "at most 4"},
		{"path in name", Request{Models: []string{"ok", "../admin"}, Prompt: "hi"}, `models[1]: model name "../admin"`},
		{"leading dash", Request{Models: []string{"-x"}, Prompt: "hi"}, "starting with a letter or digit"},
		{"space", Request{Models: []string{"a b"}, Prompt: "hi"}, `model name "a b"`},
		{"too long", Request{Models: []string{strings.Repeat("a", 201)}, Prompt: "hi"}, "1-200 characters"},
		{"duplicate", Request{Models: []string{"a", "a"}, Prompt: "hi"}, `lists "a" twice`},
		{"empty prompt", Request{Models: []string{"a"}, Prompt: "  "}, "prompt is empty"},
		{"long prompt", Request{Models: []string{"a"}, Prompt: strings.Repeat("x", MaxPromptBytes+1)}, "prompt is 16385 bytes; at most 16384"},
		{"bad utf-8", Request{Models: []string{"a"}, Prompt: "\xff"}, "not valid UTF-8"},
		{"negative tokens", Request{Models: []string{"a"}, Prompt: "hi", MaxTokens: -1}, "maxTokens -1 is out of range 1..2048"},
		{"too many tokens", Request{Models: []string{"a"}, Prompt: "hi", MaxTokens: 2049}, "maxTokens 2049"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), srv.Client(), "", endpoints, tc.req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.False(t, called, "an invalid request reaches no endpoint")
	select {
	case m := <-srv.arrived:
		t.Fatalf("the server got a request for %q", m)
	default:
	}
}

// TestRunHuggingFaceNameWithAPIKey: a Hugging Face style name is accepted (the sweeps' rule) and
// the API key from the secure settings reaches the model as a bearer token.
func TestRunHuggingFaceNameWithAPIKey(t *testing.T) {
	var auth, model string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		var body struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		model = body.Model
		if auth != "Bearer sk-probe-key" {
			http.Error(w, `{"error":{"message":"unauthorized"}}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, `data: {"id":"1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hello"}}]}`+"\n\n")
		_, _ = io.WriteString(w, `data: {"id":"1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`+"\n\n")
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	endpoints := func(m string) (string, error) { return srv.URL + "/v1", nil }
	results, err := Run(context.Background(), srv.Client(), "sk-probe-key", endpoints,
		Request{Models: []string{"meta-llama/Llama-3.1-8B-Instruct"}, Prompt: "hi"})
	require.NoError(t, err)
	require.Empty(t, results[0].Error)
	require.Equal(t, "hello", results[0].Text)
	require.Equal(t, "Bearer sk-probe-key", auth)
	require.Equal(t, "meta-llama/Llama-3.1-8B-Instruct", model)

	results, err = Run(context.Background(), srv.Client(), "", endpoints, Request{Models: []string{"meta-llama/Llama-3.1-8B-Instruct"}, Prompt: "hi"})
	require.NoError(t, err)
	require.Contains(t, results[0].Error, "HTTP 401")
}

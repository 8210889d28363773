// Package probe is the measured "vibe check": it sends the same prompt to several vLLM models at
// once as streaming OpenAI chat completions and reports, per model, time to first token,
// inter-token latency, token count, total time and the generated text.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// Bounds of a probe request. A probe is an interactive comparison, not a load test: a handful of
// models, one prompt, a short answer.
const (
	MaxModels        = 4
	MaxPromptBytes   = 16 << 10
	MaxOutputTokens  = 2048
	DefaultMaxTokens = 256
	// MaxTextBytes bounds the text returned per model; the stream is still read to the end so
	// the timings and the token count cover the whole answer.
	MaxTextBytes = 16 << 10
	// Timeout bounds one probe (all models together) unless the caller's context ends earlier.
	Timeout = 2 * time.Minute
)

// Token count sources of Result.TokensSource.
const (
	TokensFromUsage  = "usage"  // the server's usage.completion_tokens (stream_options.include_usage)
	TokensFromChunks = "chunks" // the number of streamed chunks that carried output: a lower bound
)

// Request is the body of POST /probe.
type Request struct {
	Models    []string `json:"models"`
	Prompt    string   `json:"prompt"`
	MaxTokens int      `json:"maxTokens"` // 0 means DefaultMaxTokens
}

// Result is one model's answer and timings. Error is set when that model failed; the measured
// fields then describe what arrived before the failure.
type Result struct {
	Model    string `json:"model"`
	Endpoint string `json:"endpoint"`
	// TTFTMs is the time from sending the request to the first chunk that carried output.
	TTFTMs float64 `json:"ttftMs"`
	// ITLMs is the mean gap between consecutive output-carrying chunks (vLLM streams one chunk
	// per decode step, so this is the inter-token latency the user saw).
	ITLMs        float64 `json:"itlMs"`
	Tokens       int     `json:"tokens"`
	TokensSource string  `json:"tokensSource"`
	PromptTokens int     `json:"promptTokens,omitempty"` // from usage, when the server sent it
	Chunks       int     `json:"chunks"`
	TotalMs      float64 `json:"totalMs"`
	Text         string  `json:"text"`
	Truncated    bool    `json:"truncated"` // Text was cut at MaxTextBytes
	FinishReason string  `json:"finishReason,omitempty"`
	Error        string  `json:"error,omitempty"`
}

// Validate checks the request; every error says which field is wrong and what is allowed.
func (r Request) Validate() error {
	if len(r.Models) == 0 {
		return errors.New("models is empty: name at least one model")
	}
	if len(r.Models) > MaxModels {
		return fmt.Errorf("models lists %d models; at most %d can be probed at once", len(r.Models), MaxModels)
	}
	seen := map[string]bool{}
	for i, m := range r.Models {
		// The sweeps' rule: Hugging Face ids (org/name) included; where such a model is served
		// comes from its kubernetes.models endpoint.
		if err := sweeps.CheckModelName(m); err != nil {
			return fmt.Errorf("models[%d]: %w", i, err)
		}
		if seen[m] {
			return fmt.Errorf("models lists %q twice", m)
		}
		seen[m] = true
	}
	if strings.TrimSpace(r.Prompt) == "" {
		return errors.New("prompt is empty")
	}
	if len(r.Prompt) > MaxPromptBytes {
		return fmt.Errorf("prompt is %d bytes; at most %d are allowed", len(r.Prompt), MaxPromptBytes)
	}
	if !utf8.ValidString(r.Prompt) {
		return errors.New("prompt is not valid UTF-8")
	}
	if r.MaxTokens < 0 || r.MaxTokens > MaxOutputTokens {
		return fmt.Errorf("maxTokens %d is out of range 1..%d (0 means %d)", r.MaxTokens, MaxOutputTokens, DefaultMaxTokens)
	}
	return nil
}

// Run validates req and streams one chat completion from every model concurrently through hc.
// It returns one Result per model, in the order of req.Models; a model that fails has Error set
// and does not affect the others. The error is non-nil only for an invalid request.
//
// hc carries the data source's TLS, CA and proxy options; apiKey, when set, is sent as a bearer
// token to every model.
func Run(ctx context.Context, hc *http.Client, apiKey string, endpointFor func(model string) (string, error), req Request) ([]Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	maxTokens := req.MaxTokens
	if maxTokens == 0 {
		maxTokens = DefaultMaxTokens
	}
	if hc == nil {
		hc = &http.Client{}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()

	results := make([]Result, len(req.Models))
	var wg sync.WaitGroup
	for i, model := range req.Models {
		results[i].Model = model
		endpoint, err := endpointFor(model)
		if err != nil {
			results[i].Error = err.Error()
			continue
		}
		results[i].Endpoint = endpoint
		wg.Go(func() { streamOne(ctx, hc, apiKey, endpoint, model, req.Prompt, maxTokens, &results[i]) })
	}
	wg.Wait()
	return results, nil
}

// streamOne fills res from one streamed chat completion.
func streamOne(ctx context.Context, hc *http.Client, apiKey, endpoint, model, prompt string, maxTokens int, res *Result) {
	cfg := openai.DefaultConfig(apiKey)
	cfg.BaseURL = endpoint
	cfg.HTTPClient = hc
	client := openai.NewClientWithConfig(cfg)

	start := time.Now()
	var first, last time.Time
	var text strings.Builder
	defer func() {
		end := time.Now()
		res.TotalMs = ms(end.Sub(start))
		if res.Chunks > 0 {
			res.TTFTMs = ms(first.Sub(start))
		}
		if res.Chunks > 1 {
			res.ITLMs = ms(last.Sub(first)) / float64(res.Chunks-1)
		}
		if res.TokensSource == "" {
			res.Tokens, res.TokensSource = res.Chunks, TokensFromChunks
		}
		res.Text = text.String()
	}()

	stream, err := client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model:         model,
		Messages:      []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: prompt}},
		MaxTokens:     maxTokens,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		res.Error = describe(ctx, endpoint, err)
		return
	}
	defer stream.Close()

	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.Error = describe(ctx, endpoint, err)
			return
		}
		now := time.Now()
		if chunk.Usage != nil {
			res.Tokens, res.TokensSource = chunk.Usage.CompletionTokens, TokensFromUsage
			res.PromptTokens = chunk.Usage.PromptTokens
		}
		for _, choice := range chunk.Choices {
			if choice.FinishReason != "" {
				res.FinishReason = string(choice.FinishReason)
			}
			out := choice.Delta.ReasoningContent + choice.Delta.Content + choice.Delta.Refusal
			if out == "" && len(choice.Delta.ToolCalls) == 0 {
				continue // the role-only first chunk and the finish chunk carry no output
			}
			if res.Chunks == 0 {
				first = now
			}
			last = now
			res.Chunks++
			appendBounded(&text, out, &res.Truncated)
		}
	}
	if res.Chunks == 0 {
		res.Error = fmt.Sprintf("%s streamed no output for model %s", endpoint, model)
	}
}

// appendBounded appends s to b without letting b grow past MaxTextBytes, cutting on a rune
// boundary.
func appendBounded(b *strings.Builder, s string, truncated *bool) {
	room := MaxTextBytes - b.Len()
	if len(s) <= room {
		b.WriteString(s)
		return
	}
	*truncated = true
	for room > 0 && !utf8.RuneStart(s[room]) {
		room--
	}
	if room > 0 {
		b.WriteString(s[:room])
	}
}

// describe turns a go-openai error into a message that names the endpoint and says what went wrong.
func describe(ctx context.Context, endpoint string, err error) string {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("%s did not finish the answer before the deadline (a probe may take at most %s)", endpoint, Timeout)
	case ctx.Err() != nil:
		return fmt.Sprintf("the probe of %s was canceled", endpoint)
	case errors.As(err, &apiErr):
		if apiErr.HTTPStatusCode != 0 {
			return fmt.Sprintf("%s answered HTTP %d: %s", endpoint, apiErr.HTTPStatusCode, shorten(apiErr.Message))
		}
		return fmt.Sprintf("%s reported an error in the stream: %s", endpoint, shorten(apiErr.Message))
	case errors.As(err, &reqErr):
		return fmt.Sprintf("%s answered HTTP %d: %s", endpoint, reqErr.HTTPStatusCode, shorten(string(reqErr.Body)))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is already named
	}
	return fmt.Sprintf("request to %s failed: %s", endpoint, shorten(err.Error()))
}

// shorten keeps an upstream message to one readable line.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const maxLen = 300
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

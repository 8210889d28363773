package guidellm

import "strings"

// GuideLLM writes credentials into its reports in clear: `args.backend_kwargs.api_key` (v0.6),
// `config.spec.backend.api_key` (v0.7, masked only from v0.7 on), Authorization headers injected through
// `args.data_request_formatter` (v0.4-v0.5) and echoed in every `requests[].request_args`, and user-info or
// query tokens in the target URL. The first line of defence is structural: the wire structs do not declare
// any of those fields, so the decoder skips them and they never become Go strings. The functions below
// cover the values the model does keep.

// redactTarget removes user-info, query string and fragment from a backend URL. It works on plain strings
// because targets are not always valid URLs (e.g. "example_target" or an unescaped password containing
// '/', '?' or '#'). So everything up to the last '@' goes first, wherever it is: a base URL's path or query
// practically never holds an '@', and erring this way never leaks.
func redactTarget(target string) string {
	target = strings.TrimSpace(target)
	hostStart := 0
	if i := strings.Index(target, "://"); i >= 0 {
		hostStart = i + len("://")
	}
	if at := strings.LastIndexByte(target[hostStart:], '@'); at >= 0 {
		target = target[:hostStart] + target[hostStart+at+1:]
	}
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		target = target[:i]
	}
	return target
}

// secretLabelWords mark a label whose value is a credential rather than a tag. Users do pass tokens through
// `--output-extras`/`--label` (e.g. to re-run a job); such labels are dropped, not shown.
var secretLabelWords = []string{"api_key", "apikey", "api-key", "token", "secret", "password", "passwd", "authorization", "credential"}

func isSecretLabel(key, value string) bool {
	k := strings.ToLower(key)
	for _, w := range secretLabelWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	v := strings.ToLower(strings.TrimSpace(value))
	return strings.HasPrefix(v, "bearer ") || strings.HasPrefix(v, "basic ")
}

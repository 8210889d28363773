package sweeps

import (
	"context"
	"fmt"
	"strings"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// RoleName names the Role (and RoleBinding) RoleYAML writes.
	RoleName = "inference-roi-sweeps"
	// RoleFile is the Role as tested against a real apiserver, for deploy/ to use.
	RoleFile = "pkg/sweeps/testdata/role.yaml"
)

// RequiredRules are exactly the permissions the Manager uses in the sweeps namespace:
// jobs create (Launch), get (Get, Cancel), list (List, Ingest), patch (Ingest's annotations),
// delete (Cancel); pods list (find a Job's pod); pods/log get (progress, reports, failure
// tails); the configured CronJob get (its template). No watch: nothing here watches.
func RequiredRules(cronJobName string) []rbacv1.PolicyRule {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"create", "get", "list", "patch", "delete"}},
	}
	if cronJobName != "" {
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"cronjobs"},
			ResourceNames: []string{cronJobName}, Verbs: []string{"get"}})
	}
	return append(rules,
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
	)
}

// RoleYAML is the Role with RequiredRules in namespace plus the RoleBinding that grants it to the
// service account saNamespace/saName, as YAML for `kubectl apply -f -`.
func RoleYAML(namespace, cronJobName, saNamespace, saName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Lets the Inference ROI data source launch, follow, cancel and ingest GuideLLM sweeps
# in namespace %s (and nothing else). Apply with: kubectl apply -f <this file>
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: %s
  namespace: %s
rules:
`, namespace, RoleName, namespace)
	for _, r := range RequiredRules(cronJobName) {
		fmt.Fprintf(&b, "- apiGroups: [%s]\n  resources: [%s]\n", quoteList(r.APIGroups), quoteList(r.Resources))
		if len(r.ResourceNames) > 0 {
			fmt.Fprintf(&b, "  resourceNames: [%s]\n", quoteList(r.ResourceNames))
		}
		fmt.Fprintf(&b, "  verbs: [%s]\n", quoteList(r.Verbs))
	}
	fmt.Fprintf(&b, `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: %s
  namespace: %s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: %s
subjects:
- kind: ServiceAccount
  name: %s
  namespace: %s
`, RoleName, namespace, RoleName, saName, saNamespace)
	return b.String()
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ", ")
}

// Check is one permission as the apiserver decided it for the plugin's identity.
type Check struct {
	Verb     string `json:"verb"`
	Resource string `json:"resource"` // "jobs", "pods/log", "cronjobs/<name>"
	Allowed  bool   `json:"allowed"`
	Reason   string `json:"reason,omitempty"`
}

// AccessReport says whether the plugin may do what sweeps need in the namespace.
type AccessReport struct {
	Namespace string  `json:"namespace"`
	User      string  `json:"user,omitempty"` // the identity the apiserver sees, when it says
	Checks    []Check `json:"checks"`
	// RoleYAML fixes the denied checks; set only when some are denied.
	RoleYAML string `json:"roleYAML,omitempty"`
}

// OK reports whether every check is allowed.
func (r AccessReport) OK() bool {
	for _, c := range r.Checks {
		if !c.Allowed {
			return false
		}
	}
	return true
}

// Summary is one line for a health check.
func (r AccessReport) Summary() string {
	who := r.User
	if who == "" {
		who = "the plugin's service account"
	}
	var denied []string
	for _, c := range r.Checks {
		if !c.Allowed {
			denied = append(denied, c.Verb+" "+c.Resource)
		}
	}
	if len(denied) == 0 {
		return fmt.Sprintf("%s may launch, follow and ingest sweeps in namespace %s", who, r.Namespace)
	}
	return fmt.Sprintf("%s may not %s in namespace %s: apply the Role %q shown below",
		who, strings.Join(denied, ", "), r.Namespace, RoleName)
}

// CheckAccess asks the apiserver (SelfSubjectAccessReview) whether the plugin's identity has
// every permission of RequiredRules, and who that identity is (SelfSubjectReview). It fails only
// when the apiserver cannot be asked.
func (m *Manager) CheckAccess(ctx context.Context) (AccessReport, error) {
	ns := m.settings.Namespace
	rep := AccessReport{Namespace: ns}
	saNamespace, saName := "<grafana-namespace>", "<grafana-service-account>"
	// Any authenticated user may ask who they are; an apiserver older than 1.28 cannot answer.
	if review, err := m.client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{}); err == nil {
		rep.User = review.Status.UserInfo.Username
		if parts := strings.Split(rep.User, ":"); len(parts) == 4 && parts[0] == "system" && parts[1] == "serviceaccount" {
			saNamespace, saName = parts[2], parts[3]
		}
	}
	for _, rule := range RequiredRules(m.settings.CronJobName) {
		for _, res := range rule.Resources {
			resource, sub, _ := strings.Cut(res, "/")
			name := ""
			if len(rule.ResourceNames) > 0 {
				name = rule.ResourceNames[0]
			}
			for _, verb := range rule.Verbs {
				review := &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
					ResourceAttributes: &authzv1.ResourceAttributes{
						Namespace: ns, Verb: verb, Group: rule.APIGroups[0], Resource: resource, Subresource: sub, Name: name,
					},
				}}
				got, err := m.client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
				if err != nil {
					return AccessReport{}, m.apiError("asking the apiserver whether the plugin may "+verb+" "+res, err)
				}
				label := res
				if name != "" {
					label += "/" + name
				}
				rep.Checks = append(rep.Checks, Check{Verb: verb, Resource: label, Allowed: got.Status.Allowed,
					Reason: strings.TrimSpace(got.Status.Reason + " " + got.Status.EvaluationError)})
			}
		}
	}
	if !rep.OK() {
		rep.RoleYAML = RoleYAML(ns, m.settings.CronJobName, saNamespace, saName)
	}
	return rep, nil
}

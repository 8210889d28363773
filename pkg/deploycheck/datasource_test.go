package deploycheck

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/inferenceroi/vllm-datasource/pkg/models"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// provisionedDataSource is one entry of a Grafana data-source provisioning file.
type provisionedDataSource struct {
	Name           string            `json:"name"`
	UID            string            `json:"uid"`
	Type           string            `json:"type"`
	Access         string            `json:"access"`
	OrgID          int               `json:"orgId"`
	URL            string            `json:"url"`
	IsDefault      bool              `json:"isDefault"`
	Editable       bool              `json:"editable"`
	JSONData       map[string]any    `json:"jsonData"`
	SecureJSONData map[string]string `json:"secureJsonData"`
}

// grafanaPod is what Grafana's expansion of the provisioning file can see in the pod: its
// environment and its files.
type grafanaPod struct {
	env   map[string]string
	files map[string]string
}

// Values the test stands in for what the cluster provides at run time.
const (
	testToken     = "test-projected-serviceaccount-token"
	testAccessKey = "test-access-key"
	testSecretKey = "test-secret-key"
)

// newGrafanaPod resolves the Grafana container's environment the way the kubelet would (literals,
// the pod's namespace, the generated ConfigMaps, the S3 Secret with test values) and its files
// (the projected token, every ConfigMap volume item; caPEM for the CA ConfigMaps, which the
// cluster fills).
func newGrafanaPod(t *testing.T, objs objects, caPEM string) grafanaPod {
	t.Helper()
	d := objs.deployment(t, grafanaName)
	spec := d.Spec.Template.Spec
	g := container(t, spec, "grafana")
	pod := grafanaPod{env: map[string]string{}, files: map[string]string{}}
	secrets := map[string]string{"inferenceroi-s3/accessKey": testAccessKey, "inferenceroi-s3/secretKey": testSecretKey, "grafana-admin/admin-password": "x", "grafana-admin/secret-key": "x"}
	for _, from := range g.EnvFrom {
		require.NotNil(t, from.ConfigMapRef, "envFrom only from ConfigMaps")
		for k, v := range objs.configMap(t, from.ConfigMapRef.Name).Data {
			pod.env[from.Prefix+k] = v
		}
	}
	for _, e := range g.Env {
		switch {
		case e.ValueFrom == nil:
			pod.env[e.Name] = e.Value
		case e.ValueFrom.FieldRef != nil:
			require.Equal(t, "metadata.namespace", e.ValueFrom.FieldRef.FieldPath, e.Name)
			pod.env[e.Name] = d.Namespace
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secrets[ref.Name+"/"+ref.Key]
			require.True(t, ok, "env %s reads Secret key %s/%s that the README does not tell users to create", e.Name, ref.Name, ref.Key)
			pod.env[e.Name] = v
		default:
			t.Fatalf("env %s: unexpected source", e.Name)
		}
	}
	automount := spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken
	if automount {
		pod.files[tokenPath] = testToken
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	for _, m := range g.VolumeMounts {
		v := volumes[m.Name]
		if v.ConfigMap == nil {
			continue
		}
		for _, item := range v.ConfigMap.Items {
			pod.files[path.Join(m.MountPath, item.Path)] = caPEM
		}
		if len(v.ConfigMap.Items) == 0 {
			for k, val := range objs.configMap(t, v.ConfigMap.Name).Data {
				pod.files[path.Join(m.MountPath, k)] = val
			}
		}
	}
	return pod
}

// expanderRE is Grafana's $__name{argument} expander syntax (pkg/setting/expanders.go).
var expanderRE = regexp.MustCompile(`\$__(\w+)\{(.*?)\}`)

// expand interpolates one provisioning value as Grafana does
// (pkg/services/provisioning/values.interpolateValue): "$$" is a literal "$"; in each part,
// $__env{NAME} and $__file{PATH} (trimmed) are replaced, then $NAME/${NAME} environment
// references. Unlike Grafana, which silently yields "", a reference to a variable or file the
// pod does not have is an error here.
func (p grafanaPod) expand(val string) (string, error) {
	parts := strings.Split(val, "$$")
	for i, part := range parts {
		var err error
		part = expanderRE.ReplaceAllStringFunc(part, func(m string) string {
			sub := expanderRE.FindStringSubmatch(m)
			var v string
			var ok bool
			switch sub[1] {
			case "env":
				v, ok = p.env[sub[2]]
			case "file":
				v, ok = p.files[sub[2]]
				v = strings.TrimSpace(v)
			}
			if !ok && err == nil {
				err = fmt.Errorf("%s: the Grafana container has no such %s", m, sub[1])
			}
			return v
		})
		if err != nil {
			return "", err
		}
		parts[i] = os.Expand(part, func(name string) string {
			v, ok := p.env[name]
			if !ok && err == nil {
				err = fmt.Errorf("$%s: the Grafana container has no such variable", name)
			}
			return v
		})
		if err != nil {
			return "", err
		}
	}
	return strings.Join(parts, "$"), nil
}

func (p grafanaPod) expandAny(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return p.expand(x)
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			e, err := p.expandAny(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = e
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			e, err := p.expandAny(val)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = e
		}
		return out, nil
	}
	return v, nil
}

// provisionedSettings reads the plugin's data source from the build's provisioning ConfigMap,
// expands it in pod as Grafana would, and returns it as the SDK hands it to the plugin.
func provisionedSettings(t *testing.T, objs objects, pod grafanaPod) (provisionedDataSource, backend.DataSourceInstanceSettings) {
	t.Helper()
	cm := objs.configMap(t, "grafana-datasources")
	require.Len(t, cm.Data, 1)
	var file struct {
		APIVersion  int                     `json:"apiVersion"`
		Datasources []provisionedDataSource `json:"datasources"`
	}
	for _, content := range cm.Data {
		require.NoError(t, yaml.UnmarshalStrict([]byte(content), &file))
	}
	require.Equal(t, 1, file.APIVersion)
	require.Len(t, file.Datasources, 1)
	raw := file.Datasources[0]

	url, err := pod.expand(raw.URL)
	require.NoError(t, err, "url")
	jsonData, err := pod.expandAny(raw.JSONData)
	require.NoError(t, err, "jsonData")
	secure := map[string]string{}
	for k, v := range raw.SecureJSONData {
		secure[k], err = pod.expand(v)
		require.NoError(t, err, "secureJsonData.%s", k)
	}
	b, err := json.Marshal(jsonData)
	require.NoError(t, err)
	return raw, backend.DataSourceInstanceSettings{
		UID: raw.UID, Type: raw.Type, Name: raw.Name, URL: url, JSONData: b, DecryptedSecureJSONData: secure,
	}
}

func TestProvisionedDataSourceIsWhatThePluginAccepts(t *testing.T) {
	ca := newTestCA(t)
	for _, tc := range []struct {
		dir        string
		url        string
		caConfig   corev1.ConfigMapVolumeSource
		storeReady bool
	}{
		{baseDir, "", corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}, false},
		{openshiftDir, "https://thanos-querier.openshift-monitoring.svc.cluster.local:9091", corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "openshift-service-ca.crt"}, Items: []corev1.KeyToPath{{Key: "service-ca.crt", Path: "ca.crt"}}}, false},
		{siteDir, "https://thanos-querier.openshift-monitoring.svc.cluster.local:9091", corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "openshift-service-ca.crt"}, Items: []corev1.KeyToPath{{Key: "service-ca.crt", Path: "ca.crt"}}}, true},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			objs := build(t, tc.dir)
			raw, settings := provisionedSettings(t, objs, newGrafanaPod(t, objs, ca.pem))

			assert.Equal(t, "inferenceroi", raw.UID, "dashboards refer to the data source by this uid")
			assert.Equal(t, pluginID, raw.Type)
			assert.Equal(t, tc.url, settings.URL)
			for k, v := range raw.SecureJSONData {
				assert.Regexp(t, `^(Bearer )?\$__(env|file)\{[^}]+\}$`, v, "secureJsonData.%s is a reference, never a value", k)
			}
			assert.Equal(t, "Bearer $__file{"+tokenPath+"}", raw.SecureJSONData["httpHeaderValue1"],
				"the token comes from the projected token file, not from a copy")

			cfg, err := models.LoadSettings(settings)
			require.NoError(t, err, "the plugin accepts the provisioned settings")
			assert.Equal(t, tc.storeReady, cfg.Store.Configured())
			if tc.storeReady {
				assert.Equal(t, "minio.storage.svc.cluster.local:9000", cfg.Store.Endpoint)
				assert.Equal(t, testAccessKey, cfg.Store.AccessKey)
				assert.Equal(t, testSecretKey, cfg.Store.SecretKey)
			}
			assert.Len(t, cfg.Deployments, 2)

			// The CA volume the provisioning file reads.
			d := objs.deployment(t, grafanaName)
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Name == "prometheus-ca" {
					assert.Equal(t, &tc.caConfig, v.ConfigMap)
				}
			}

			// The Prometheus client the plugin builds from these settings sends the token and trusts
			// exactly the mounted CA.
			opts, err := settings.HTTPClientOptions(context.Background())
			require.NoError(t, err)
			hc, err := httpclient.New(opts)
			require.NoError(t, err)
			var gotAuth string
			srv := ca.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotAuth = r.Header.Get("Authorization") }))
			resp, err := hc.Get(srv.URL + "/api/v1/status/buildinfo")
			require.NoError(t, err, "TLS to a server signed by the mounted CA")
			resp.Body.Close()
			assert.Equal(t, "Bearer "+testToken, gotAuth)

			other := httptest.NewTLSServer(http.NotFoundHandler())
			defer other.Close()
			_, err = hc.Get(other.URL)
			assert.ErrorContains(t, err, "certificate", "a server signed by another CA is refused")
		})
	}
}

func TestProvisionedSweepSettingsMatchTheShippedObjects(t *testing.T) {
	objs := build(t, openshiftDir)
	_, settings := provisionedSettings(t, objs, newGrafanaPod(t, objs, newTestCA(t).pem))
	s := sweepSettings(t, settings)

	require.NoError(t, s.Validate())
	grafana := objs.get(t, "Deployment", grafanaName)
	assert.Equal(t, grafana.GetNamespace(), s.Namespace, "sweeps run where the Role grants the plugin its rights")
	assert.Equal(t, objs.get(t, "Role", sweepsRoleName).GetNamespace(), s.Namespace)
	// The tokenizer is looked up in the models' InferenceServices: readable there by Grafana.
	assert.Equal(t, s.ModelNamespace, objs.get(t, "Role", isReaderName).GetNamespace(), "the InferenceService reader is where the models are")
	binding := objs.get(t, "RoleBinding", isReaderName)
	assert.Equal(t, s.ModelNamespace, binding.GetNamespace())
	subjects, _, _ := unstructured.NestedSlice(binding.Object, "subjects")
	require.Len(t, subjects, 1)
	assert.Equal(t, map[string]any{"kind": "ServiceAccount", "name": grafanaName, "namespace": grafana.GetNamespace()}, subjects[0])
	cj := objs.cronJob(t, s.CronJobName)
	assert.Equal(t, s.Namespace, cj.Namespace)
	assert.Equal(t, s.Image, cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image)
}

// sweepSettings are jsonData.kubernetes as the plugin parses them.
func sweepSettings(t *testing.T, settings backend.DataSourceInstanceSettings) sweeps.Settings {
	t.Helper()
	cfg, err := models.LoadSettings(settings)
	require.NoError(t, err)
	return cfg.Kubernetes.Settings
}

// The scheduled run must be the very Job the plugin launches for the same request, so its report
// is ingested, labelled and shown like any sweep. The request is the one the CronJob records.
func TestCronJobRunsTheSweepThePluginWouldLaunch(t *testing.T) {
	objs := build(t, openshiftDir)
	_, settings := provisionedSettings(t, objs, newGrafanaPod(t, objs, newTestCA(t).pem))
	cfg, err := models.LoadSettings(settings)
	require.NoError(t, err)
	s := sweepSettings(t, settings)
	cj := objs.cronJob(t, cronJobName)
	tmpl := cj.Spec.JobTemplate

	var req sweeps.Request
	require.NoError(t, json.Unmarshal([]byte(tmpl.Annotations[sweeps.AnnotationRequest]), &req))
	plan, err := s.Plan(req, cfg.AnalysisConfig())
	require.NoError(t, err, "the CronJob's sweep is a valid request")

	launched, err := sweeps.BuildJobFromCronJob(cj, s, plan, "roi-test", 1)
	require.NoError(t, err)
	scheduled := tmpl.Spec.Template.Spec.Containers[0]
	plugin := launched.Spec.Template.Spec.Containers[0]
	assert.Equal(t, plugin.Command, scheduled.Command, "the same wrapper: copy sweeps.WrapperScript into deploy/base/guidellm/cronjob.yaml")
	assert.Equal(t, plugin.Args, scheduled.Args, "the same GuideLLM arguments")
	assert.Equal(t, []string{"/bin/sh", "-c", sweeps.WrapperScript, "inference-roi-sweep", sweeps.DefaultOutputPath}, scheduled.Command)
	assert.Equal(t, *launched.Spec.ActiveDeadlineSeconds, *tmpl.Spec.ActiveDeadlineSeconds)

	builtIn, err := sweeps.BuildJob(s, plan, "roi-test", 1)
	require.NoError(t, err)
	assert.Equal(t, builtIn.Spec.Template.Spec.Containers[0].Args, scheduled.Args, "the built-in Job spec runs the same GuideLLM arguments")

	for k, v := range launched.Labels {
		if k != sweeps.LabelSweepSeq {
			assert.Equal(t, v, tmpl.Labels[k], "Job label %s", k)
			assert.Equal(t, v, tmpl.Spec.Template.Labels[k], "pod label %s", k)
		}
	}
	for k, v := range launched.Annotations {
		if k != sweeps.AnnotationInstantiate && k != sweeps.AnnotationRequestedBy {
			assert.Equal(t, v, tmpl.Annotations[k], "Job annotation %s", k)
		}
	}
}

// testCA is a throwaway CA that stands in for the cluster's CA ConfigMaps.
type testCA struct {
	pem  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "deploycheck test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return testCA{pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) + "\n", cert: cert, key: key}
}

// server is an HTTPS server on 127.0.0.1 whose certificate the CA signed.
func (ca testCA) server(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

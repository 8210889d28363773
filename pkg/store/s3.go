package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// clientMaxRetries caps minio-go's retries (default 10 with backoff) so an unreachable
// endpoint fails a query within seconds instead of minutes.
const clientMaxRetries = 3

// NewMinioClient returns a path-style S3 client (MinIO, Ceph/ODF and AWS all accept path style;
// virtual-host style needs DNS that in-cluster endpoints lack). endpoint is host[:port].
func NewMinioClient(endpoint, accessKey, secretKey, region string, useTLS bool) (*minio.Client, error) {
	c, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(accessKey, secretKey, ""),
		Secure:       useTLS,
		Region:       region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   clientMaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client for endpoint %q: %w", endpoint, err)
	}
	return c, nil
}

// Ping checks that the bucket exists and that the credentials may list the prefix. The error says
// what to fix. It lists instead of sending HEAD bucket: a HEAD error carries no body, so a wrong
// secret key could not be told from missing permissions.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range s.client.ListObjectsIter(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.cfg.Prefix, MaxKeys: 1}) {
		if obj.Err != nil {
			return fmt.Errorf("listing %s: %w", s.location(), describeS3Error(obj.Err, s.cfg.Bucket))
		}
		break
	}
	return nil
}

// UpstreamError is a failed S3 request (endpoint unreachable, credentials or permissions refused,
// bucket missing, timeout): the cause is the user's S3 service or settings, never the plugin. Every
// error of Snapshot, Ping, Put and PutFolder that comes from the S3 server is one; errors.As finds it.
type UpstreamError struct {
	Msg        string // what happened and what to fix; never the credentials
	StatusCode int    // HTTP status of the S3 answer; 0 when no answer arrived
	Err        error  // the client error, for errors.Is/As
}

func (e *UpstreamError) Error() string { return e.Msg }
func (e *UpstreamError) Unwrap() error { return e.Err }

// describeS3Error turns a client error into an *UpstreamError that says what to fix. minio-go errors hold the
// S3 error code and message, never the credentials.
func describeS3Error(err error, bucket string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &UpstreamError{Msg: fmt.Sprintf("the S3 request was cancelled or timed out: %v", err), Err: err}
	}
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		if urlErr := (*url.Error)(nil); errors.As(err, &urlErr) {
			return &UpstreamError{Msg: fmt.Sprintf("cannot reach the S3 endpoint (check store.endpoint and store.useTLS): %v", err), Err: err}
		}
		return &UpstreamError{Msg: fmt.Sprintf("the S3 request failed: %v", err), Err: err}
	}
	var msg string
	switch resp.Code {
	case "SignatureDoesNotMatch":
		msg = "the S3 credentials are wrong: the server rejected the request signature, so the secret key does not " +
			"belong to the access key (check store.accessKey and the secret key in the data source settings)"
	case "InvalidAccessKeyId":
		msg = "the S3 credentials are wrong: the server does not know the access key (check store.accessKey)"
	case "AccessDenied":
		msg = fmt.Sprintf("access denied to bucket %q: the credentials are valid but lack permission "+
			"(grant s3:ListBucket on the bucket and s3:GetObject/s3:PutObject under the prefix)", bucket)
	case "NoSuchBucket":
		msg = fmt.Sprintf("bucket %q does not exist on this S3 endpoint (create it, or fix store.bucket)", bucket)
	case "AuthorizationHeaderMalformed", "InvalidRegion":
		msg = fmt.Sprintf("the S3 server expects another region (check store.region): %s", resp.Message)
	case "RequestTimeTooSkewed":
		msg = "the S3 server refused the request because this host's clock differs too much from the server's (sync the clock)"
	case "":
		msg = fmt.Sprintf("the S3 server answered HTTP %d: %v", resp.StatusCode, err)
	default:
		msg = fmt.Sprintf("the S3 server refused the request: %s (%s)", resp.Message, resp.Code)
	}
	return &UpstreamError{Msg: msg, StatusCode: resp.StatusCode, Err: err}
}

// readFailedReason explains a failed GET; the object is retried on the next refresh.
func readFailedReason(err error, bucket string) string {
	if resp := (minio.ErrorResponse{}); errors.As(err, &resp) && resp.Code == "NoSuchKey" {
		return "object was deleted while the bucket was being read; it drops out on the next refresh"
	}
	return fmt.Sprintf("could not download the object, retried on the next refresh: %v", describeS3Error(err, bucket))
}

/**
 * A self-signed certificate for 127.0.0.1 (P-256, valid 100 years), made
 * once with:
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
 *     -days 36500 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1"
 * For tests only: the key is public.
 */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkTCCATagAwIBAgIUNlNDqevDrH2HXQzIDOgdTtZ4gVMwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwMjE0NDUwN1oYDzIxMjYxMTA4
MTQ0NTA3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARN4o2bUf957H1m2IqoSlOWdpH8zqk+fyeETi725bI7GhjRZth0Oa3p
KqEZoU2SOEql1bhLr1zSeOUogJ8r+87so2QwYjAdBgNVHQ4EFgQUSqfhDXACVVO+
hM+39D/A8bM3pDMwHwYDVR0jBBgwFoAUSqfhDXACVVO+hM+39D/A8bM3pDMwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0kAMEYC
IQCYbizNB1D/rpvxt+al1vfDas230OIodVGhCXklaBwN+QIhAIuiuH1368q7LGZp
Oqd2fpfiSrnAHUOwAvul1L7dSJvA
-----END CERTIFICATE-----`

export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaYJ07iF2ReSAVDZE
iP80ah+ZiGoMf1mdBVVAlxP4OemhRANCAARN4o2bUf957H1m2IqoSlOWdpH8zqk+
fyeETi725bI7GhjRZth0Oa3pKqEZoU2SOEql1bhLr1zSeOUogJ8r+87s
-----END PRIVATE KEY-----`

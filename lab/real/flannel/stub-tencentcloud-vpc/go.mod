// Lab stub: github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc is not served by the Go module
// proxy reachable here (403 "This module version is not available" for v1.3.208). flanneld imports it
// only for its tencentvpc backend; this stub has the API surface that backend uses and fails at run time.
module github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc

go 1.21

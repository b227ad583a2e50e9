// Signs a fixed EC2 Auto Scaling ExecutePolicy with
// @aws-sdk/client-auto-scaling (3.1169.0, the version of client-sns in
// package.json) and prints the request it would send (method, path,
// headers including Authorization, body) as JSON, without sending
// anything: a custom requestHandler captures the signed request and answers
// with a canned ExecutePolicyResponse. The capture is
// testdata/autoscaling_execute_policy_js.json, which
// tests/autoscaling_client_test.cc compares with cwalarm's client.
//
// Fixed inputs: time 2026-03-08T11:42:00Z (Date is pinned), credentials
// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY / session token
// "FQoGZXIvYXdzEXAMPLETOKEN", region eu-west-2, endpoint
// http://127.0.0.1:PORT (PORT from argv[2], default 4566).
//
//   npm install --no-save @aws-sdk/client-auto-scaling@3.1169.0
//   node sign_execute_policy.mjs 4566 > testdata/autoscaling_execute_policy_js.json

import {
  AutoScalingClient,
  ExecutePolicyCommand,
} from "@aws-sdk/client-auto-scaling";

const FIXED = Date.UTC(2026, 2, 8, 11, 42, 0);
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) {
    super(...(args.length ? args : [FIXED]));
  }
  static now() {
    return FIXED;
  }
};

const port = process.argv[2] || "4566";
let captured = null;

const requestHandler = {
  async handle(request) {
    captured = request;
    const body =
      '<ExecutePolicyResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">' +
      "<ResponseMetadata><RequestId>r</RequestId>" +
      "</ResponseMetadata></ExecutePolicyResponse>";
    const { Readable } = await import("node:stream");
    return {
      response: {
        statusCode: 200,
        headers: { "content-type": "text/xml" },
        body: Readable.from([Buffer.from(body)]),
      },
    };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs() {
    return {};
  },
};

const client = new AutoScalingClient({
  region: "eu-west-2",
  endpoint: `http://127.0.0.1:${port}`,
  credentials: {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    sessionToken: "FQoGZXIvYXdzEXAMPLETOKEN",
  },
  maxAttempts: 1,
  requestHandler,
});

const input = {
  AutoScalingGroupName: "web asg/1",
  PolicyName: "scale-out+",
  MetricValue: 59.5,
  BreachThreshold: 50,
};

await client.send(new ExecutePolicyCommand(input));
const headers = {};
for (const [k, v] of Object.entries(captured.headers)) headers[k] = v;
process.stdout.write(
  JSON.stringify(
    {
      sdk: "@aws-sdk/client-auto-scaling",
      time: "2026-03-08T11:42:00Z",
      region: "eu-west-2",
      service: "autoscaling",
      access_key_id: "AKIDEXAMPLE",
      secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      session_token: "FQoGZXIvYXdzEXAMPLETOKEN",
      input,
      method: captured.method,
      path: captured.path,
      query: captured.query || {},
      headers,
      body: captured.body,
    },
    null,
    2,
  ) + "\n",
);

// Signs a fixed SNS Publish with @aws-sdk/client-sns and prints the request
// it would send (method, path, headers including Authorization, body) as
// JSON, without sending anything: a custom requestHandler captures the
// signed request and answers with a canned PublishResponse.
//
// Fixed inputs: time 2026-03-08T11:42:00Z (Date is pinned), credentials
// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY / session token
// "FQoGZXIvYXdzEXAMPLETOKEN", region us-east-1, endpoint
// http://127.0.0.1:PORT (PORT from argv[2], default 4566). The body encodes
// a Message with JSON, spaces, '+', '/', '*', '(', ')', '!', '\'' and UTF-8.
//
//   node sign_publish.mjs 4566 > captured.json

import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";

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
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
      "<PublishResult><MessageId>00000000-0000-0000-0000-000000000000</MessageId>" +
      "</PublishResult><ResponseMetadata><RequestId>r</RequestId>" +
      "</ResponseMetadata></PublishResponse>";
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

const client = new SNSClient({
  region: "us-east-1",
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
  TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
  Subject: 'ALARM: "cpu (high) *!" in US East (N. Virginia)',
  Message:
    '{"AlarmName":"cpu (high) *!","NewStateReason":"a+b/c = 1.0 \u00e9\u2713 it\'s"}',
};

await client.send(new PublishCommand(input));
const headers = {};
for (const [k, v] of Object.entries(captured.headers)) headers[k] = v;
process.stdout.write(
  JSON.stringify(
    {
      sdk: "@aws-sdk/client-sns",
      time: "2026-03-08T11:42:00Z",
      region: "us-east-1",
      service: "sns",
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

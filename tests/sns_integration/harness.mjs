// Helpers for scripts/sns_integration.sh around the fauxqs SNS/SQS emulator
// (pinned to 1.9.2: the last line that runs on Node 20).
//
//   node harness.mjs serve PORT [PROXY_PORT FAULTS]
//       Starts fauxqs through its buildApp() export on 127.0.0.1:PORT only
//       (its CLI binds every interface). With PROXY_PORT, also starts a
//       fault-injecting proxy on 127.0.0.1:PROXY_PORT that answers the first
//       Publish requests with FAULTS (comma list of 500, 503, throttle,
//       429, 400) and forwards everything else to fauxqs. Prints "ready".
//   node harness.mjs proxy PROXY_PORT PORT [FAULTS]
//       Only the proxy, forwarding to an already running fauxqs on PORT.
//   node harness.mjs setup PORT NAME
//       Creates topic NAME and queue NAME-q, subscribes the queue; prints the
//       topic ARN.
//   node harness.mjs receive PORT NAME COUNT TIMEOUT_S
//       Receives (and deletes) messages from NAME-q until COUNT arrived or
//       TIMEOUT_S passed; prints one SNS envelope (JSON) per line, in order.
//   node harness.mjs check EXPECTED RECEIVED
//       EXPECTED: `cwalarm replay --print-notifications` lines; RECEIVED:
//       the receive output. Checks every notification arrived exactly as
//       printed (TopicArn, Subject, every Message field in order) and in
//       order per alarm. Prints "sns_integration check: N passed, N failed".

import http from "node:http";
import { readFileSync } from "node:fs";

const [cmd, ...args] = process.argv.slice(2);
const region = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

async function clients(port) {
  const { SNSClient } = await import("@aws-sdk/client-sns");
  const { SQSClient } = await import("@aws-sdk/client-sqs");
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    sns: new SNSClient({ region, endpoint, credentials }),
    sqs: new SQSClient({ region, endpoint, credentials }),
  };
}

async function serve(port, proxyPort, faults) {
  const { buildApp } = await import("fauxqs");
  const app = buildApp({ logger: false, host: "127.0.0.1", defaultRegion: region });
  await app.listen({ port: Number(port), host: "127.0.0.1" });
  if (proxyPort) await proxy(proxyPort, port, faults);
  console.log("ready");
}

async function proxy(proxyPort, port, faults) {
  {
    const queue = (faults || "").split(",").filter(Boolean);
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        if (body.toString().includes("Action=Publish") && queue.length > 0) {
          const f = queue.shift();
          const [status, code] =
            f === "throttle" ? [400, "Throttling"] :
            f === "429" ? [429, "TooManyRequestsException"] :
            f === "400" ? [400, "InvalidParameter"] :
            [Number(f), "InternalError"];
          res.writeHead(status, { "content-type": "text/xml" });
          res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code>` +
                  `<Message>injected ${f}</Message></Error><RequestId>x</RequestId></ErrorResponse>`);
          console.error(`proxy: injected ${f}`);
          return;
        }
        const fwd = http.request(
          { host: "127.0.0.1", port: Number(port), method: req.method, path: req.url,
            headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode, up.headers);
            up.pipe(res);
          });
        fwd.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
        fwd.end(body);
      });
    });
    await new Promise((r) => server.listen(Number(proxyPort), "127.0.0.1", r));
  }
}

async function setup(port, name) {
  const { CreateTopicCommand, SubscribeCommand } = await import("@aws-sdk/client-sns");
  const { CreateQueueCommand, GetQueueAttributesCommand } = await import("@aws-sdk/client-sqs");
  const { sns, sqs } = await clients(port);
  const topic = await sns.send(new CreateTopicCommand({ Name: name }));
  const q = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-q` }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: q.QueueUrl, AttributeNames: ["QueueArn"] }));
  await sns.send(new SubscribeCommand({
    TopicArn: topic.TopicArn, Protocol: "sqs", Endpoint: attrs.Attributes.QueueArn }));
  console.log(topic.TopicArn);
}

async function receive(port, name, count, timeoutS) {
  const { GetQueueUrlCommand, ReceiveMessageCommand, DeleteMessageCommand } =
    await import("@aws-sdk/client-sqs");
  const { sqs } = await clients(port);
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `${name}-q` }));
  const deadline = Date.now() + Number(timeoutS) * 1000;
  let got = 0;
  while (got < Number(count) && Date.now() < deadline) {
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of r.Messages || []) {
      console.log(JSON.stringify(JSON.parse(m.Body)));
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      got++;
    }
  }
}

function check(expectedPath, receivedPath) {
  const lines = (p) => readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const expected = lines(expectedPath);
  const received = lines(receivedPath);
  let passed = 0, failed = 0;
  const ok = (cond, what) => {
    if (cond) passed++; else { failed++; console.error(`FAIL: ${what}`); }
  };
  ok(received.length === expected.length,
     `received ${received.length} notifications, expected ${expected.length}`);
  // Per alarm, in order: compare the i-th expected and received of each alarm.
  const byAlarm = (items, msg) => {
    const m = new Map();
    for (const it of items) {
      const a = JSON.parse(msg(it)).AlarmArn;
      if (!m.has(a)) m.set(a, []);
      m.get(a).push(it);
    }
    return m;
  };
  const exp = byAlarm(expected, (e) => e.Message);
  const got = byAlarm(received, (r) => r.Message);
  for (const [alarm, es] of exp) {
    const rs = got.get(alarm) || [];
    es.forEach((e, i) => {
      const r = rs[i];
      ok(r !== undefined, `${alarm} notification ${i} arrived`);
      if (!r) return;
      ok(r.Type === "Notification", `${alarm}[${i}] envelope Type`);
      ok(r.TopicArn === e.TopicArn, `${alarm}[${i}] TopicArn ${r.TopicArn} == ${e.TopicArn}`);
      ok(r.Subject === e.Subject, `${alarm}[${i}] Subject ${r.Subject} == ${e.Subject}`);
      ok(r.Message === e.Message, `${alarm}[${i}] Message bytes identical`);
      const em = JSON.parse(e.Message), rm = JSON.parse(r.Message);
      ok(JSON.stringify(Object.keys(rm)) === JSON.stringify(Object.keys(em)),
         `${alarm}[${i}] Message field order`);
      for (const k of Object.keys(em)) {
        ok(JSON.stringify(rm[k]) === JSON.stringify(em[k]), `${alarm}[${i}] Message.${k}`);
      }
      ok(rm.Region === "US East (N. Virginia)", `${alarm}[${i}] Region long name`);
      ok(/^[A-Z_]+$/.test(rm.Trigger.Statistic), `${alarm}[${i}] Trigger.Statistic upper-case`);
    });
  }
  console.log(`sns_integration check: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

switch (cmd) {
  case "serve": await serve(args[0], args[1], args[2]); break;
  case "proxy": await proxy(args[0], args[1], args[2]); console.log("ready"); break;
  case "setup": await setup(args[0], args[1]); break;
  case "receive": await receive(args[0], args[1], args[2], args[3]); break;
  case "check": check(args[0], args[1]); break;
  default:
    console.error("usage: node harness.mjs serve|setup|receive|check ...");
    process.exit(2);
}

/**
 * A broker-side KIP-714 telemetry receiver for tests: a small Java class, compiled by the kit with
 * the JDK against the Kafka jars, that implements Kafka's `ClientTelemetryExporterProvider` (4.x;
 * on 3.7–3.9 the older `ClientTelemetry`) as a `metric.reporters` plugin and appends one JSON
 * line per PushTelemetry it receives — client instance id, terminating flag, payload size and the
 * OTLP MetricsData decoded by Kafka's own (shaded) protobuf classes — to a file a test reads.
 *
 *   const recorder = await buildTelemetryRecorder()
 *   await using kafka = await startKafka({ provider: 'jvm', classpath: [recorder.classpath],
 *     brokerConfig: recorder.brokerConfig(file) })
 *   … readTelemetryPushes(file)
 *
 * The broker only offers GetTelemetrySubscriptions/PushTelemetry when such a plugin is configured,
 * and clients only push what a client-metrics subscription asks for (docs/observability.md).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { ensureKafkaLibs } from './libs.js'
import { cacheBaseDir, jdkBinary } from './paths.js'
import { run } from './process.js'
import { resolveKafkaVersion } from './versions.js'

/** The recorder's class, for `metric.reporters`. */
export const TELEMETRY_RECORDER_CLASS = 'kafkawire.testing.TelemetryRecorder'
/** The broker config naming the file the recorder appends to. */
export const TELEMETRY_RECORDER_FILE_CONFIG = 'kafkawire.telemetry.recorder.file'

/**
 * The recorder's source. `modern`: Kafka 4.x's ClientTelemetryExporterProvider (it also gives the
 * push interval); else the ClientTelemetry receiver of Kafka 3.7–3.9 (deprecated in 4.x).
 */
function javaSource(modern: boolean): string {
  const [iface, imports, hook] = modern
    ? [
        'ClientTelemetryExporterProvider',
        ['ClientTelemetryExporter', 'ClientTelemetryExporterProvider'],
        `@Override public ClientTelemetryExporter clientTelemetryExporter() {
        return (context, payload) -> record(context.authorizableRequestContext(), context.pushIntervalMs(), payload);
    }`,
      ]
    : [
        'ClientTelemetry',
        ['ClientTelemetry', 'ClientTelemetryReceiver'],
        `@Override public ClientTelemetryReceiver clientReceiver() {
        return (context, payload) -> record(context, -1, payload);
    }`,
      ]
  return `package kafkawire.testing;

import java.io.FileWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
${imports.map((i) => `import org.apache.kafka.server.telemetry.${i};`).join('\n')}
import org.apache.kafka.server.telemetry.ClientTelemetryPayload;
import org.apache.kafka.shaded.io.opentelemetry.proto.common.v1.KeyValue;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.Metric;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.MetricsData;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ScopeMetrics;

/** Written by kafka-wire's test kit (src/testing/telemetry-recorder.ts): records client telemetry pushes. */
public class TelemetryRecorder implements MetricsReporter, ${iface} {
    private volatile String file;

    @Override public void configure(Map<String, ?> configs) {
        Object f = configs.get("${TELEMETRY_RECORDER_FILE_CONFIG}");
        file = f == null ? null : f.toString();
    }
    @Override public void init(List<KafkaMetric> metrics) {}
    @Override public void metricChange(KafkaMetric metric) {}
    @Override public void metricRemoval(KafkaMetric metric) {}
    @Override public void close() {}

    ${hook}

    private static String q(String s) {
        StringBuilder b = new StringBuilder("\\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\\\') b.append('\\\\').append(c);
            else if (c < 0x20) b.append(String.format("\\\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    private static String attributes(List<KeyValue> kvs) {
        StringBuilder b = new StringBuilder("{");
        for (KeyValue kv : kvs) {
            if (b.length() > 1) b.append(',');
            b.append(q(kv.getKey())).append(':').append(q(kv.getValue().getStringValue()));
        }
        return b.append('}').toString();
    }

    private static String point(NumberDataPoint p) {
        double v = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
        return "\\"value\\":" + v + ",\\"timeUnixNano\\":" + q(Long.toUnsignedString(p.getTimeUnixNano()))
            + ",\\"startTimeUnixNano\\":" + q(Long.toUnsignedString(p.getStartTimeUnixNano()))
            + ",\\"attributes\\":" + attributes(p.getAttributesList());
    }

    private synchronized void record(AuthorizableRequestContext request, int pushIntervalMs, ClientTelemetryPayload payload) {
        StringBuilder b = new StringBuilder("{");
        b.append("\\"clientInstanceId\\":").append(q(String.valueOf(payload.clientInstanceId())));
        b.append(",\\"clientId\\":").append(q(String.valueOf(request.clientId())));
        b.append(",\\"terminating\\":").append(payload.isTerminating());
        b.append(",\\"contentType\\":").append(q(String.valueOf(payload.contentType())));
        b.append(",\\"pushIntervalMs\\":").append(pushIntervalMs);
        ByteBuffer data = payload.data().duplicate();
        b.append(",\\"bytes\\":").append(data.remaining());
        try {
            MetricsData md = MetricsData.parseFrom(data);
            StringBuilder ms = new StringBuilder();
            StringBuilder res = new StringBuilder();
            for (ResourceMetrics rm : md.getResourceMetricsList()) {
                if (res.length() == 0) res.append(attributes(rm.getResource().getAttributesList()));
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        if (ms.length() > 0) ms.append(',');
                        ms.append("{\\"name\\":").append(q(m.getName()));
                        if (m.hasSum()) {
                            ms.append(",\\"type\\":\\"sum\\",\\"temporality\\":").append(q(m.getSum().getAggregationTemporality().name()));
                            ms.append(",\\"monotonic\\":").append(m.getSum().getIsMonotonic());
                            if (m.getSum().getDataPointsCount() > 0) ms.append(',').append(point(m.getSum().getDataPoints(0)));
                        } else if (m.hasGauge()) {
                            ms.append(",\\"type\\":\\"gauge\\"");
                            if (m.getGauge().getDataPointsCount() > 0) ms.append(',').append(point(m.getGauge().getDataPoints(0)));
                        } else {
                            ms.append(",\\"type\\":\\"other\\"");
                        }
                        ms.append('}');
                    }
                }
            }
            b.append(",\\"resource\\":").append(res.length() == 0 ? "{}" : res);
            b.append(",\\"metrics\\":[").append(ms).append(']');
        } catch (Exception e) {
            b.append(",\\"error\\":").append(q(e.toString()));
        }
        b.append("}\\n");
        if (file == null) return;
        try (FileWriter w = new FileWriter(file, true)) {
            w.write(b.toString());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
`
}

export interface TelemetryRecorder {
  /** The compiled classes' directory: put it in StartKafkaOptions.classpath. */
  classpath: string
  /** brokerConfig entries installing the recorder, appending to `file`. */
  brokerConfig(file: string): Record<string, string>
}

/** One recorded push. */
export interface RecordedTelemetryPush {
  clientInstanceId: string
  clientId: string
  terminating: boolean
  contentType: string
  pushIntervalMs: number
  /** Size of the (decompressed) MetricsData. */
  bytes: number
  resource?: Record<string, string>
  metrics?: RecordedTelemetryMetric[]
  /** Set when the payload did not decode as MetricsData. */
  error?: string
}

export interface RecordedTelemetryMetric {
  name: string
  type: 'sum' | 'gauge' | 'other'
  /** Sums: AGGREGATION_TEMPORALITY_CUMULATIVE or _DELTA. */
  temporality?: string
  monotonic?: boolean
  value?: number
  timeUnixNano?: string
  startTimeUnixNano?: string
  attributes?: Record<string, string>
}

/**
 * Compiles the recorder against Kafka `version`'s jars (downloading them on first use), once per
 * version and source into the kit's cache. Needs a JDK (`javac`; `$JAVA_HOME/bin` or PATH).
 */
export async function buildTelemetryRecorder(version?: string): Promise<TelemetryRecorder> {
  const v = resolveKafkaVersion(version)
  const libDir = await ensureKafkaLibs(v)
  const hash = createHash('sha256')
    .update(javaSource(true) + javaSource(false))
    .digest('hex')
    .slice(0, 10)
  const dir = path.join(cacheBaseDir(), `telemetry-recorder-${v}-${hash}`)
  const classes = path.join(dir, 'classes')
  if (!existsSync(path.join(classes, 'kafkawire', 'testing', 'TelemetryRecorder.class'))) {
    // Compile into a private directory and rename: concurrent builds never see half a class dir.
    const staging = `${dir}.partial-${process.pid}`
    await fs.rm(staging, { recursive: true, force: true })
    const src = path.join(staging, 'src', 'kafkawire', 'testing', 'TelemetryRecorder.java')
    await fs.mkdir(path.dirname(src), { recursive: true })
    const compile = async (modern: boolean) => {
      await fs.writeFile(src, javaSource(modern))
      const args = ['-nowarn', '-cp', `${libDir}/*`, '-d', path.join(staging, 'classes'), src]
      return run(jdkBinary('javac'), args, { timeoutMs: 120_000 })
    }
    let res = await compile(true)
    // Kafka 3.7–3.9 have no ClientTelemetryExporterProvider yet: their receiver interface instead.
    if (res.code !== 0 && res.stderr.includes('ClientTelemetryExporterProvider')) res = await compile(false)
    if (res.code !== 0) {
      await fs.rm(staging, { recursive: true, force: true })
      throw new Error(`kafka-wire/testing: compiling the telemetry recorder failed:\n${res.stderr}${res.stdout}`)
    }
    // Another process may have finished first: then its build is used.
    if (existsSync(classes)) await fs.rm(staging, { recursive: true, force: true })
    else await fs.rename(staging, dir)
  }
  return {
    classpath: classes,
    brokerConfig: (file) => ({
      'metric.reporters': TELEMETRY_RECORDER_CLASS,
      [TELEMETRY_RECORDER_FILE_CONFIG]: path.resolve(file),
    }),
  }
}

/** The pushes recorded in `file` so far ([] before the first). */
export function readTelemetryPushes(file: string): RecordedTelemetryPush[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l.replaceAll(/:(-?Infinity|NaN)([,}])/g, ':null$2')) as RecordedTelemetryPush)
}

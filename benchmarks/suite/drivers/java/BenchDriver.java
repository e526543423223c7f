// Java client driver for the scenarios Kafka's own tools do not cover with the suite's semantics:
//   latency  — L1 (records at a fixed rate, producer and consumer in one JVM) and L2 (one record at
//              a time, as EndToEndLatency), measured exactly as the Node drivers do;
//   group    — G1 (N members stabilise; one leaves; the rest rebalance);
//   slow-consume — M2 (assign() every partition of a backlog, poll, pause; the runner reads RSS);
//   txn-produce — T1–T4 (ProducerPerformance's transactional loop, but committing every
//              recordsPerTransaction records where the tool commits every --transaction-duration-ms);
//   txn-latency — L3 (records at a fixed rate through an exactly-once copier, read_committed).
// Run as a single-file source program with the kit's jars on the class path:
//   java -cp '<libs>/*' BenchDriver.java kind=latency bootstrap=... topic=... key=value ...
// Prints one line `@@bench {"type":"result","metrics":{...}}` (the Node drivers' protocol).
import java.time.Duration;
import java.util.*;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class BenchDriver {
  static Map<String, String> args = new HashMap<>();

  static String arg(String k) {
    String v = args.get(k);
    if (v == null) throw new IllegalArgumentException("missing " + k);
    return v;
  }

  static int intArg(String k) {
    return Integer.parseInt(arg(k));
  }

  public static void main(String[] argv) throws Exception {
    // The runner killed without a chance to kill this JVM (SIGKILL): exit with it.
    ProcessHandle.current().parent().ifPresent(parent -> {
      Thread orphan = new Thread(() -> {
        while (parent.isAlive()) {
          try {
            Thread.sleep(1000);
          } catch (InterruptedException e) {
            return;
          }
        }
        Runtime.getRuntime().halt(5);
      });
      orphan.setDaemon(true);
      orphan.start();
    });
    for (String a : argv) {
      int i = a.indexOf('=');
      args.put(a.substring(0, i), a.substring(i + 1));
    }
    String metrics;
    try {
      switch (arg("kind")) {
        case "latency":
          metrics = latency();
          break;
        case "group":
          metrics = group();
          break;
        case "slow-consume":
          metrics = slowConsume();
          break;
        case "txn-produce":
          metrics = txnProduce();
          break;
        case "txn-latency":
          metrics = txnLatency();
          break;
        default:
          System.out.println("@@bench {\"type\":\"unsupported\",\"message\":\"" + arg("kind") + "\"}");
          System.exit(0);
          return;
      }
    } catch (Throwable t) {
      String m = (t.getClass().getSimpleName() + ": " + t.getMessage()).replace("\\", "/").replace("\"", "'");
      System.out.println("@@bench {\"type\":\"error\",\"message\":\"" + m + "\"}");
      System.out.flush();
      System.exit(1);
      return;
    }
    long peakKb = peakRssKb();
    System.out.println("@@bench {\"type\":\"result\",\"metrics\":{" + metrics + ",\"peakRssMb\":" + String.format(Locale.ROOT, "%.1f", peakKb / 1024.0)
        + "},\"info\":{\"client\":\"java\",\"version\":\"" + kafkaVersion() + "\",\"java\":\"" + System.getProperty("java.version") + "\"}}");
    System.out.flush();
    System.exit(0);
  }

  /** kafka-clients' version: AppInfoParser moved to common.utils.internals in Kafka 4.4. */
  static String kafkaVersion() {
    for (String c : new String[] {"org.apache.kafka.common.utils.internals.AppInfoParser", "org.apache.kafka.common.utils.AppInfoParser"}) {
      try {
        return (String) Class.forName(c).getMethod("getVersion").invoke(null);
      } catch (ReflectiveOperationException e) {
        // try the next location
      }
    }
    return "unknown";
  }

  static long peakRssKb() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (Exception e) {
      // not Linux
    }
    return 0;
  }

  static Properties consumerProps(String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, arg("bootstrap"));
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, arg("groupId"));
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    if ("consumer".equals(args.get("groupProtocol"))) {
      // KIP-848: the broker decides the session and heartbeat interval (the client rejects them).
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    } else {
      if (args.containsKey("sessionTimeoutMs")) p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, arg("sessionTimeoutMs"));
      if (args.containsKey("heartbeatIntervalMs")) p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, arg("heartbeatIntervalMs"));
    }
    return p;
  }

  // ---- L1 / L2 ----------------------------------------------------------------------------

  static String latency() throws Exception {
    String topic = arg("topic");
    int records = intArg("records");
    int warmup = intArg("warmupRecords");
    int size = Math.max(12, intArg("valueSize"));
    boolean sync = "sync".equals(arg("mode"));
    double rate = Double.parseDouble(arg("rate"));

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, arg("bootstrap"));
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-java-e2e");
    pp.put(ProducerConfig.ACKS_CONFIG, arg("acks"));
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    double[] samples = new double[records];
    int[] counted = {0};
    int[] received = {0};
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps("bench-java-e2e"));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      consumer.subscribe(List.of(topic));
      while (consumer.assignment().isEmpty()) consumer.poll(Duration.ofMillis(100));
      producer.partitionsFor(topic);
      byte[] template = new byte[size];
      Arrays.fill(template, (byte) 'a');
      long started = System.nanoTime();
      if (sync) {
        for (int i = 0; i < records; i++) {
          producer.send(new ProducerRecord<>(topic, stamp(template, i)));
          producer.flush();
          boolean got = false;
          while (!got) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
              record(r.value(), warmup, samples, counted, received);
              if (seqOf(r.value()) == i) got = true;
            }
          }
        }
      } else {
        AtomicBoolean failed = new AtomicBoolean(false);
        Thread sender = new Thread(() -> {
          try {
            long t0 = System.nanoTime();
            int sent = 0;
            while (sent < records) {
              int due = (int) Math.min(records, (long) ((System.nanoTime() - t0) / 1e9 * rate));
              for (; sent < due; sent++) producer.send(new ProducerRecord<>(topic, stamp(template, sent)));
              if (sent < records) Thread.sleep(1);
            }
          } catch (Exception e) {
            failed.set(true);
          }
        });
        sender.start();
        long deadline = System.nanoTime() + (long) ((records / rate + 60) * 1e9);
        while (received[0] < records && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) record(r.value(), warmup, samples, counted, received);
        }
        sender.join();
        if (failed.get() || received[0] < records) throw new IllegalStateException("received " + received[0] + " of " + records);
      }
      double elapsedMs = (System.nanoTime() - started) / 1e6;
      double[] s = Arrays.copyOf(samples, counted[0]);
      Arrays.sort(s);
      double sum = 0;
      for (double x : s) sum += x;
      return String.format(Locale.ROOT,
          "\"count\":%d,\"avgMs\":%.3f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f,\"achievedRate\":%.0f",
          s.length, s.length == 0 ? 0 : sum / s.length, at(s, 0.5), at(s, 0.99), at(s, 0.999), s.length == 0 ? 0 : s[s.length - 1],
          records * 1000.0 / elapsedMs);
    }
  }

  static double at(double[] s, double p) {
    return s.length == 0 ? 0 : s[Math.min(s.length - 1, (int) Math.floor(p * s.length))];
  }

  static byte[] stamp(byte[] template, int seq) {
    byte[] v = template.clone();
    long now = System.nanoTime();
    for (int k = 0; k < 8; k++) v[k] = (byte) (now >>> (8 * k));
    for (int k = 0; k < 4; k++) v[8 + k] = (byte) (seq >>> (8 * k));
    return v;
  }

  static int seqOf(byte[] v) {
    return (v[8] & 0xff) | (v[9] & 0xff) << 8 | (v[10] & 0xff) << 16 | (v[11] & 0xff) << 24;
  }

  static void record(byte[] v, int warmup, double[] samples, int[] counted, int[] received) {
    long sentAt = 0;
    for (int k = 7; k >= 0; k--) sentAt = (sentAt << 8) | (v[k] & 0xff);
    double ms = (System.nanoTime() - sentAt) / 1e6;
    received[0]++;
    if (seqOf(v) >= warmup && counted[0] < samples.length) samples[counted[0]++] = ms;
  }

  // ---- M2 ----------------------------------------------------------------------------------

  /**
   * A slow consumer: connected (metadata and ListOffsets) and then a `mark` line, on which the
   * runner reads the JVM's RSS (the baseline); then assign() of every partition from the
   * beginning, poll(500 ms) of at most maxPollRecords and a pause after each, for durationMs from
   * the first record. Peak RSS is the runner's reading of VmHWM.
   */
  static String slowConsume() throws Exception {
    String topic = arg("topic");
    int partitions = intArg("partitions");
    long durationNs = Long.parseLong(arg("durationMs")) * 1_000_000L;
    long pauseMs = Long.parseLong(arg("pauseMs"));
    Properties p = consumerProps("bench-java-slow");
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, arg("fetchMaxBytes"));
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, arg("maxPartitionFetchBytes"));
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, arg("maxPollRecords"));
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
    long records = 0;
    long bytes = 0;
    long first = 0;
    double seconds;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.beginningOffsets(tps);
      System.out.println("@@bench {\"type\":\"mark\",\"name\":\"connected\"}");
      System.out.flush();
      Thread.sleep(300);
      c.assign(tps);
      c.seekToBeginning(tps);
      while (first == 0 || System.nanoTime() - first < durationNs) {
        ConsumerRecords<byte[], byte[]> polled = c.poll(Duration.ofMillis(500));
        if (first == 0 && !polled.isEmpty()) first = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : polled) {
          records++;
          if (r.value() != null) bytes += r.value().length;
        }
        Thread.sleep(pauseMs);
      }
      seconds = (System.nanoTime() - first) / 1e9;
    }
    return String.format(Locale.ROOT, "\"records\":%d,\"seconds\":%.3f,\"recordsPerSec\":%.0f,\"mbRead\":%.1f",
        records, seconds, records / seconds, bytes / 1048576.0);
  }

  // ---- T1–T4 -------------------------------------------------------------------------------

  /**
   * Transactional produce: ProducerPerformance's loop with --transactional-id (initTransactions,
   * then beginTransaction, send with a callback per record, commitTransaction) and the same
   * producer settings as the suite's P scenarios, except that a transaction ends after
   * recordsPerTransaction records instead of after --transaction-duration-ms: the other clients
   * cut transactions by count, and a time cut would give each client transactions of another size.
   * One value of random letters, reused for every record (the Node drivers' 'random' values).
   * The clock starts after initTransactions() and stops when the last commit returns.
   */
  static String txnProduce() throws Exception {
    String topic = arg("topic");
    int records = intArg("records");
    int perTxn = intArg("recordsPerTransaction");
    int size = intArg("valueSize");
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, arg("bootstrap"));
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-java-txn");
    pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, arg("transactionalId"));
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, arg("lingerMs"));
    pp.put(ProducerConfig.BATCH_SIZE_CONFIG, arg("batchSize"));
    pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    byte[] value = new byte[size];
    SplittableRandom random = new SplittableRandom(0);
    for (int j = 0; j < size; j++) value[j] = (byte) (random.nextInt(26) + 65);
    java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicReference<Exception> firstError = new java.util.concurrent.atomic.AtomicReference<>();
    Callback cb = (metadata, e) -> {
      if (e != null) {
        failed.incrementAndGet();
        firstError.compareAndSet(null, e);
      }
    };
    double seconds;
    int transactions = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      producer.initTransactions();
      producer.partitionsFor(topic);
      long started = System.nanoTime();
      for (int sent = 0; sent < records; ) {
        producer.beginTransaction();
        int end = Math.min(records, sent + perTxn);
        for (; sent < end; sent++) producer.send(new ProducerRecord<>(topic, value), cb);
        producer.commitTransaction();
        transactions++;
      }
      seconds = (System.nanoTime() - started) / 1e9;
    }
    if (failed.get() > 0) throw new IllegalStateException(failed.get() + " records failed; first: " + firstError.get());
    return String.format(Locale.ROOT,
        "\"records\":%d,\"transactions\":%d,\"seconds\":%.3f,\"recordsPerSec\":%.0f,\"mbPerSec\":%.2f",
        records, transactions, seconds, records / seconds, (double) records * size / 1048576.0 / seconds);
  }

  // ---- L3 ----------------------------------------------------------------------------------

  /**
   * End-to-end latency through an exactly-once copier, as the Node drivers do it: a sender thread
   * writes stamped records (acks, linger 0) at the rate to the input topic; a copier thread (a
   * read_committed KafkaConsumer of group groupId and a transactional KafkaProducer) copies each
   * poll's records in one transaction with the poll's offsets (sendOffsetsToTransaction with
   * groupMetadata()); this thread reads the output with a read_committed consumer of group
   * readerGroupId and records the latencies. Same JVM, so the stamp's clock (nanoTime) is shared.
   */
  static String txnLatency() throws Exception {
    String topic = arg("topic");
    String output = arg("outputTopic");
    int records = intArg("records");
    int warmup = intArg("warmupRecords");
    int size = Math.max(12, intArg("valueSize"));
    double rate = Double.parseDouble(arg("rate"));

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, arg("bootstrap"));
    pp.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-java-e2e");
    pp.put(ProducerConfig.ACKS_CONFIG, arg("acks"));
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    Properties tp = new Properties();
    tp.putAll(pp);
    tp.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-java-copier");
    tp.put(ProducerConfig.ACKS_CONFIG, "all");
    tp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    tp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, arg("transactionalId"));
    Properties cp = consumerProps("bench-java-copier");
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Properties rp = consumerProps("bench-java-reader");
    rp.put(ConsumerConfig.GROUP_ID_CONFIG, arg("readerGroupId"));
    rp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");

    double[] samples = new double[records];
    int[] counted = {0};
    int[] received = {0};
    int[] transactions = {0};
    AtomicBoolean stop = new AtomicBoolean(false);
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.CountDownLatch copierReady = new java.util.concurrent.CountDownLatch(1);
    Thread copier = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> in = new KafkaConsumer<>(cp); KafkaProducer<byte[], byte[]> out = new KafkaProducer<>(tp)) {
        out.initTransactions();
        in.subscribe(List.of(topic));
        while (in.assignment().isEmpty()) in.poll(Duration.ofMillis(100));
        out.partitionsFor(output);
        copierReady.countDown();
        while (!stop.get()) {
          ConsumerRecords<byte[], byte[]> polled = in.poll(Duration.ofMillis(100));
          if (polled.isEmpty()) continue;
          out.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
          for (ConsumerRecord<byte[], byte[]> r : polled) {
            out.send(new ProducerRecord<>(output, r.value()));
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          out.sendOffsetsToTransaction(offsets, in.groupMetadata());
          out.commitTransaction();
          synchronized (transactions) {
            transactions[0]++;
          }
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
        copierReady.countDown();
      }
    });
    copier.start();
    try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(rp); KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      reader.subscribe(List.of(output));
      while (reader.assignment().isEmpty()) reader.poll(Duration.ofMillis(100));
      copierReady.await();
      if (failure.get() != null) throw new IllegalStateException("copier: " + failure.get());
      producer.partitionsFor(topic);
      byte[] template = new byte[size];
      Arrays.fill(template, (byte) 'a');
      long started = System.nanoTime();
      AtomicBoolean sendFailed = new AtomicBoolean(false);
      // When the last record was handed to send(): the offered rate, as the Node drivers' pacing loop reports it.
      long[] sentAll = {0};
      Thread sender = new Thread(() -> {
        try {
          long t0 = System.nanoTime();
          int sent = 0;
          while (sent < records) {
            int due = (int) Math.min(records, (long) ((System.nanoTime() - t0) / 1e9 * rate));
            for (; sent < due; sent++) producer.send(new ProducerRecord<>(topic, stamp(template, sent)));
            if (sent < records) Thread.sleep(1);
          }
          sentAll[0] = System.nanoTime();
        } catch (Exception e) {
          sendFailed.set(true);
        }
      });
      sender.start();
      long deadline = System.nanoTime() + (long) ((records / rate + 60) * 1e9);
      while (received[0] < records && System.nanoTime() < deadline && failure.get() == null) {
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100))) record(r.value(), warmup, samples, counted, received);
      }
      sender.join();
      double elapsedMs = (sentAll[0] - started) / 1e6;
      stop.set(true);
      copier.join();
      if (failure.get() != null) throw new IllegalStateException("copier: " + failure.get());
      if (sendFailed.get() || received[0] < records) throw new IllegalStateException("received " + received[0] + " of " + records);
      double[] sorted = Arrays.copyOf(samples, counted[0]);
      Arrays.sort(sorted);
      double sum = 0;
      for (double x : sorted) sum += x;
      return String.format(Locale.ROOT,
          "\"count\":%d,\"avgMs\":%.3f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f,\"achievedRate\":%.0f,\"transactions\":%d",
          sorted.length, sorted.length == 0 ? 0 : sum / sorted.length, at(sorted, 0.5), at(sorted, 0.99), at(sorted, 0.999),
          sorted.length == 0 ? 0 : sorted[sorted.length - 1], records * 1000.0 / elapsedMs, transactions[0]);
    } finally {
      stop.set(true);
      copier.join();
    }
  }

  // ---- G1 ----------------------------------------------------------------------------------

  static final Object lock = new Object();
  static final Map<Integer, Set<Integer>> assignments = new HashMap<>();
  static final Set<Integer> live = new HashSet<>();
  static volatile long lastChange;

  static void assigned(int member, Set<Integer> owned) {
    synchronized (lock) {
      assignments.put(member, new TreeSet<>(owned));
      lastChange = System.nanoTime();
    }
  }

  static boolean complete(int partitions) {
    synchronized (lock) {
      Set<Integer> seen = new HashSet<>();
      for (int m : live) {
        Set<Integer> a = assignments.get(m);
        if (a == null) return false;
        for (int p : a) if (!seen.add(p)) return false;
      }
      return seen.size() == partitions;
    }
  }

  static long waitStable(int partitions, long quietMs, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      long now = System.nanoTime();
      if (complete(partitions) && now - lastChange >= quietMs * 1_000_000L) return lastChange;
      if (now > deadline) throw new IllegalStateException("group not stable after " + timeoutMs + " ms: " + assignments);
      Thread.sleep(10);
    }
  }

  static String group() throws Exception {
    String topic = arg("topic");
    int members = intArg("members");
    int partitions = intArg("partitions");
    long quietMs = Long.parseLong(arg("quietMs"));
    long timeoutMs = Long.parseLong(arg("stableTimeoutMs"));
    AtomicBoolean[] stop = new AtomicBoolean[members];
    Thread[] threads = new Thread[members];
    for (int i = 0; i < members; i++) {
      final int id = i;
      stop[i] = new AtomicBoolean(false);
      synchronized (lock) {
        live.add(id);
      }
      threads[i] = new Thread(() -> {
        Set<Integer> owned = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps("bench-java-g" + id))) {
          c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            public void onPartitionsRevoked(Collection<TopicPartition> ps) {
              for (TopicPartition tp : ps) owned.remove(tp.partition());
              assigned(id, owned);
            }

            public void onPartitionsAssigned(Collection<TopicPartition> ps) {
              for (TopicPartition tp : ps) owned.add(tp.partition());
              assigned(id, owned);
            }

            public void onPartitionsLost(Collection<TopicPartition> ps) {
              for (TopicPartition tp : ps) owned.remove(tp.partition());
              assigned(id, owned);
            }
          });
          while (!stop[id].get()) c.poll(Duration.ofMillis(100));
        }
      });
    }
    long t0 = System.nanoTime();
    lastChange = t0;
    for (Thread t : threads) t.start();
    long stableAt = waitStable(partitions, quietMs, timeoutMs);
    int leaver = 0;
    synchronized (lock) {
      while (leaver < members - 1 && assignments.getOrDefault(leaver, Set.of()).isEmpty()) leaver++;
    }
    long t1 = System.nanoTime();
    synchronized (lock) {
      live.remove(leaver);
      assignments.remove(leaver);
      lastChange = t1;
    }
    stop[leaver].set(true);
    threads[leaver].join();
    long closeNs = System.nanoTime() - t1;
    // A group of 1 has nobody left to rebalance: rebalanceMs is null.
    String rebalanceMs = "null";
    if (members > 1) {
      long rebalancedAt = waitStable(partitions, quietMs, timeoutMs);
      rebalanceMs = String.format(Locale.ROOT, "%.1f", (rebalancedAt - t1) / 1e6);
    }
    for (int i = 0; i < members; i++) stop[i].set(true);
    for (Thread t : threads) t.join();
    return String.format(Locale.ROOT, "\"members\":%d,\"partitions\":%d,\"stabiliseMs\":%.1f,\"rebalanceMs\":%s,\"leaverCloseMs\":%.1f",
        members, partitions, (stableAt - t0) / 1e6, rebalanceMs, closeNs / 1e6);
  }
}

// Runs Apache Kafka's own assignors on cases read from stdin, for java-oracle.test.ts.
// Input, one line per item:
//   CASE <range|roundrobin|sticky|cooperative-sticky>
//   TOPIC <name> <partitions> [<racks of p0>;<racks of p1>;... with racks '|'-separated]
//   MEMBER <id> <instance|-> <generation> <rack|-> <topics,> <owned t:p,...|-> <userData hex|-|empty>
//   END                      -> prints "RESULT <member> <t:p,...>" per member (sorted), or "JAVAERROR <class>", then "END"
//   USERDATA <t:p,...|-> <generation>  -> prints "USERDATA <sticky hex> <cooperative hex>"
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.*;
import org.apache.kafka.common.*;

public class AssignorHarness {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String assignorName = null;
    List<PartitionInfo> partitions = new ArrayList<>();
    Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    Map<String, Node> nodes = new HashMap<>();
    StringBuilder out = new StringBuilder();
    String line;
    while ((line = in.readLine()) != null) {
      String[] f = line.split(" ", -1);
      switch (f[0]) {
        case "CASE":
          assignorName = f[1];
          partitions = new ArrayList<>();
          subscriptions = new LinkedHashMap<>();
          nodes = new HashMap<>();
          nodes.put("", new Node(0, "host", 9092));
          break;
        case "TOPIC": {
          int count = Integer.parseInt(f[2]);
          String[] racks = f.length > 3 ? f[3].split(";", -1) : null;
          for (int p = 0; p < count; p++) {
            Node[] replicas;
            if (racks == null) {
              replicas = new Node[] { nodes.get("") };
            } else {
              String[] names = racks[p].split("\\|");
              replicas = new Node[names.length];
              for (int i = 0; i < names.length; i++) {
                if (!nodes.containsKey(names[i])) nodes.put(names[i], new Node(100 + nodes.size(), "host", 9092, names[i]));
                replicas[i] = nodes.get(names[i]);
              }
            }
            partitions.add(new PartitionInfo(f[1], p, replicas[0], replicas, replicas));
          }
          break;
        }
        case "MEMBER": {
          List<String> topics = f[5].isEmpty() ? List.of() : Arrays.asList(f[5].split(","));
          ByteBuffer userData = f[7].equals("-") ? null : ByteBuffer.wrap(hex(f[7].equals("empty") ? "" : f[7]));
          Optional<String> rack = f[4].equals("-") ? Optional.empty() : Optional.of(f[4]);
          Subscription s = new Subscription(topics, userData, partitions(f[6]), Integer.parseInt(f[3]), rack);
          if (!f[2].equals("-")) s.setGroupInstanceId(Optional.of(f[2]));
          subscriptions.put(f[1], s);
          break;
        }
        case "END": {
          ConsumerPartitionAssignor assignor;
          switch (assignorName) {
            case "range": assignor = new RangeAssignor(); break;
            case "roundrobin": assignor = new RoundRobinAssignor(); break;
            case "sticky": assignor = new StickyAssignor(); break;
            default: assignor = new CooperativeStickyAssignor();
          }
          Cluster cluster = new Cluster("c", new ArrayList<>(nodes.values()), partitions, Set.of(), Set.of());
          try {
            GroupAssignment result = assignor.assign(cluster, new GroupSubscription(subscriptions));
            for (Map.Entry<String, Assignment> e : new TreeMap<>(result.groupAssignment()).entrySet()) {
              List<TopicPartition> list = new ArrayList<>(e.getValue().partitions());
              list.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
              StringJoiner joined = new StringJoiner(",");
              for (TopicPartition tp : list) joined.add(tp.topic() + ":" + tp.partition());
              out.append("RESULT ").append(e.getKey()).append(' ').append(joined).append('\n');
            }
          } catch (RuntimeException e) {
            out.append("JAVAERROR ").append(e.getClass().getSimpleName()).append('\n');
          }
          out.append("END\n");
          break;
        }
        case "USERDATA": {
          ConsumerGroupMetadata metadata = new ConsumerGroupMetadata("g", Integer.parseInt(f[2]), "m", Optional.empty());
          StickyAssignor sticky = new StickyAssignor();
          sticky.onAssignment(new Assignment(partitions(f[1])), metadata);
          CooperativeStickyAssignor cooperative = new CooperativeStickyAssignor();
          cooperative.onAssignment(new Assignment(partitions(f[1])), metadata);
          out.append("USERDATA ").append(hex(sticky.subscriptionUserData(Set.of()))).append(' ')
              .append(hex(cooperative.subscriptionUserData(Set.of()))).append('\n');
          break;
        }
        default:
          break;
      }
    }
    System.out.print(out);
  }

  static List<TopicPartition> partitions(String field) {
    List<TopicPartition> list = new ArrayList<>();
    if (field.equals("-")) return list;
    for (String s : field.split(",")) {
      int colon = s.lastIndexOf(':');
      list.add(new TopicPartition(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1))));
    }
    return list;
  }

  static byte[] hex(String s) {
    byte[] bytes = new byte[s.length() / 2];
    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return bytes;
  }

  static String hex(ByteBuffer buffer) {
    StringBuilder sb = new StringBuilder();
    while (buffer.hasRemaining()) sb.append(String.format("%02x", buffer.get()));
    return sb.toString();
  }
}

// Run SPARQL SELECT queries with Apache Jena ARQ (Debian's libapache-jena-java) on RDF files.
//
//   java ArqRun [-t SECONDS] [-r REPEAT] DATA_FILE... -- QUERY_FILE...
//
// Every DATA_FILE (N-Triples, Turtle, RDF/XML... by extension) is read into one in-memory
// default graph; each QUERY_FILE is parsed as SPARQL 1.1 and run on it, REPEAT times (default 1;
// the first run is the cold one). One JSON document goes to stdout:
//
//   {"load_ms": N, "triples": N, "results": [
//      {"query": "FILE", "ms": [first, ...], "sparql": <SPARQL 1.1 JSON results>}   or
//      {"query": "FILE", "error": "one line"} ]}
//
// A query that runs longer than SECONDS (default 60) is cancelled and reported as an error.
// Exit status: 0 when every query ran, 1 when one failed, 2 when the data could not be loaded.

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSet;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.query.Syntax;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.rdf.model.ModelFactory;
import org.apache.jena.riot.RDFDataMgr;

public final class ArqRun {
    private ArqRun() {}

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }

    private static String oneLine(Throwable err) {
        String message = err.getMessage() == null ? "" : err.getMessage();
        return err.getClass().getSimpleName() + ": " + message.replaceAll("\\s+", " ").trim();
    }

    public static void main(String[] args) throws Exception {
        long timeoutSeconds = 60;
        int repeat = 1;
        List<String> data = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        boolean inQueries = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!inQueries && arg.equals("-t")) {
                timeoutSeconds = Long.parseLong(args[++i]);
            } else if (!inQueries && arg.equals("-r")) {
                repeat = Integer.parseInt(args[++i]);
            } else if (!inQueries && arg.equals("--")) {
                inQueries = true;
            } else if (inQueries) {
                queries.add(arg);
            } else {
                data.add(arg);
            }
        }

        Model model = ModelFactory.createDefaultModel();
        long started = System.nanoTime();
        try {
            for (String file : data) {
                RDFDataMgr.read(model, file);
            }
        } catch (RuntimeException err) {
            System.out.println("{\"error\": " + quote("cannot load data: " + oneLine(err)) + "}");
            System.exit(2);
        }
        long loadMs = (System.nanoTime() - started) / 1_000_000;

        StringBuilder out = new StringBuilder();
        out.append("{\"load_ms\": ").append(loadMs).append(", \"triples\": ").append(model.size());
        out.append(", \"results\": [");
        boolean failed = false;
        for (int q = 0; q < queries.size(); q++) {
            String file = queries.get(q);
            out.append(q == 0 ? "\n" : ",\n").append("{\"query\": ").append(quote(file));
            try {
                String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
                Query query = QueryFactory.create(text, Syntax.syntaxSPARQL_11);
                StringBuilder times = new StringBuilder();
                String json = null;
                for (int run = 0; run < repeat; run++) {
                    long t0 = System.nanoTime();
                    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                    try (QueryExecution execution = QueryExecution.create().query(query).model(model)
                            .timeout(timeoutSeconds * 1000).build()) {
                        ResultSet results = execution.execSelect();
                        ResultSetFormatter.outputAsJSON(buffer, results);
                    }
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    times.append(run == 0 ? "" : ", ").append(ms);
                    json = buffer.toString(StandardCharsets.UTF_8);
                }
                out.append(", \"ms\": [").append(times).append("], \"sparql\": ").append(json.trim());
            } catch (Exception err) {
                failed = true;
                out.append(", \"error\": ").append(quote(oneLine(err)));
            }
            out.append("}");
        }
        out.append("\n]}");
        System.out.println(out);
        System.exit(failed ? 1 : 0);
    }
}

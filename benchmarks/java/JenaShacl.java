// Validate RDF data against SHACL shapes with Apache Jena SHACL (Debian's libapache-jena-java),
// as a peer for itops' benchmark.
//
//   java JenaShacl SHAPES_FILE... -- DATA_FILE...
//
// Every file is read by extension (Turtle, N-Triples...); the data files into one default graph.
// Prints one line of JSON: {"load_ms": N, "validate_ms": N, "triples": N, "results": N, "conforms": B}.

import java.util.ArrayList;
import java.util.List;

import org.apache.jena.graph.Graph;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.sparql.graph.GraphFactory;

public final class JenaShacl {
    private JenaShacl() {}

    public static void main(String[] args) {
        List<String> shapesFiles = new ArrayList<>();
        List<String> dataFiles = new ArrayList<>();
        boolean data = false;
        for (String arg : args) {
            if (arg.equals("--")) { data = true; continue; }
            (data ? dataFiles : shapesFiles).add(arg);
        }
        long t0 = System.nanoTime();
        Graph shapesGraph = GraphFactory.createDefaultGraph();
        for (String f : shapesFiles) RDFDataMgr.read(shapesGraph, f);
        Graph dataGraph = GraphFactory.createDefaultGraph();
        for (String f : dataFiles) RDFDataMgr.read(dataGraph, f);
        long t1 = System.nanoTime();
        Shapes shapes = Shapes.parse(shapesGraph);
        ValidationReport report = ShaclValidator.get().validate(shapes, dataGraph);
        long t2 = System.nanoTime();
        System.out.println("{\"load_ms\": " + (t1 - t0) / 1000000 + ", \"validate_ms\": " + (t2 - t1) / 1000000
            + ", \"triples\": " + dataGraph.size() + ", \"results\": " + report.getEntries().size()
            + ", \"conforms\": " + report.conforms() + "}");
    }
}

/*
 * OwlCheck: load one ontology document with the OWL API (5.1.x, as Protégé would) and report,
 * as one JSON object on stdout, what the OWL API made of it.
 *
 *   java OwlCheck FILE [LOCALDIR | CATALOG.xml ...]
 *
 * owl:imports are resolved ONLY from local files:
 *   - LOCALDIR: every .ttl/.owl/.rdf/.nt/.jsonld file in the directory is read once to learn its
 *     ontology IRI (and version IRI), which is then mapped to that file;
 *   - CATALOG.xml: a Protégé XML catalog (urn:oasis:names:tc:entity:xmlns:xml:catalog); each
 *     <uri name="IRI" uri="FILE"/> maps IRI to FILE, relative to the catalog's folder.
 * An import that is not mapped is sent to a file that does not exist, so it fails at once and is
 * reported in "missing_imports"; it never goes to the network. As a second guard, http and https
 * URL connections are refused for the whole JVM.
 *
 * Output: {"file", "format", "ontology_iri", "version_iri", "axioms", "logical_axioms",
 * "root_axioms", "unparsed_triples", "dl_violations", "guessed_declarations" (entities the
 * parser had to guess the type of, for want of a declaration), "missing_imports", "import_errors",
 * "imports", "loader_messages", "dl_violation_documents"}. "dl_violation_documents" maps the file
 * name of each document of the closure to the number of DL violations whose axiom it holds (or,
 * for a violation with no axiom, whose ontology it is); "?" counts those that fit none. "loader_messages" are the ERROR and WARN lines the OWL API
 * logged while loading (for example "Illegal redeclarations of entities" for a punning it
 * silently dropped, or "Entity not properly recognized"). Counts and DL violations are over the imports closure; unparsed triples are
 * listed for every document of the closure, each prefixed with the document's file name.
 * Exit status: 0 when the check ran (whatever it found), 1 when FILE itself could not be
 * loaded (the JSON then has an "error" member), 2 on bad usage.
 */

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.NTriplesDocumentFormat;
import org.semanticweb.owlapi.formats.RDFJsonLDDocumentFormat;
import org.semanticweb.owlapi.formats.RDFXMLDocumentFormat;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.model.OWLOntologyID;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.profiles.Profiles;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public final class OwlCheck {

    private static final String CATALOG_NS = "urn:oasis:names:tc:entity:xmlns:xml:catalog";
    private static final String[] ONTOLOGY_SUFFIXES = {".ttl", ".owl", ".rdf", ".nt", ".jsonld"};

    /** Where unmapped imports are sent: a folder that does not exist, so loading fails at once. */
    private static final File NOWHERE =
        new File(System.getProperty("java.io.tmpdir"), "owlcheck-unmapped-import-does-not-exist");

    private OwlCheck() {}

    /** Maps known ontology IRIs to local files; everything else to a file that does not exist. */
    private static final class LocalOnlyMapper implements OWLOntologyIRIMapper {
        private static final long serialVersionUID = 1L;
        private final Map<String, File> map;
        final TreeSet<String> unmapped = new TreeSet<>();

        LocalOnlyMapper(Map<String, File> map) {
            this.map = map;
        }

        @Override
        public IRI getDocumentIRI(IRI ontologyIRI) {
            File f = map.get(ontologyIRI.toString());
            if (f != null) {
                return IRI.create(f);
            }
            unmapped.add(ontologyIRI.toString());
            return IRI.create(new File(NOWHERE, "unmapped-" + unmapped.size() + ".ttl"));
        }
    }

    /** Writes everything to two streams. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }

    /** Refuses every http/https connection, so that nothing in this JVM reaches the network. */
    private static void blockNetwork() {
        URL.setURLStreamHandlerFactory(protocol -> {
            String p = protocol.toLowerCase(Locale.ROOT);
            if (!p.equals("http") && !p.equals("https") && !p.equals("ftp")) {
                return null; // the JDK's own handler
            }
            return new URLStreamHandler() {
                @Override
                protected URLConnection openConnection(URL u) throws IOException {
                    throw new IOException("OwlCheck: network access refused for " + u);
                }
            };
        });
    }

    private static OWLDocumentFormat formatFor(File f) {
        String n = f.getName().toLowerCase(Locale.ROOT);
        if (n.endsWith(".ttl")) {
            return new TurtleDocumentFormat();
        }
        if (n.endsWith(".nt")) {
            return new NTriplesDocumentFormat();
        }
        if (n.endsWith(".jsonld")) {
            return new RDFJsonLDDocumentFormat();
        }
        if (n.endsWith(".owl") || n.endsWith(".rdf")) {
            return new RDFXMLDocumentFormat();
        }
        return null; // let the OWL API try its parsers
    }

    private static FileDocumentSource sourceFor(File f) {
        OWLDocumentFormat fmt = formatFor(f);
        return fmt == null ? new FileDocumentSource(f) : new FileDocumentSource(f, fmt);
    }

    private static OWLOntologyManager newManager(Map<String, File> map, LocalOnlyMapper[] out) {
        OWLOntologyManager m = OWLManager.createOWLOntologyManager();
        m.getIRIMappers().clear();
        LocalOnlyMapper mapper = new LocalOnlyMapper(map);
        m.getIRIMappers().add(mapper);
        if (out != null) {
            out[0] = mapper;
        }
        return m;
    }

    private static OWLOntologyLoaderConfiguration config(OWLOntologyManager m) {
        return m.getOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
            .setFollowRedirects(false)
            .setConnectionTimeout(1);
    }

    /** Reads one file on its own (imports not followed) to learn its ontology and version IRI. */
    private static void learnIRIs(File f, Map<String, File> map) {
        OWLOntologyManager m = newManager(Collections.emptyMap(), null);
        try {
            OWLOntology o = m.loadOntologyFromOntologyDocument(sourceFor(f), config(m));
            OWLOntologyID id = o.getOntologyID();
            for (Optional<IRI> iri : List.of(id.getOntologyIRI(), id.getVersionIRI())) {
                if (iri.isPresent()) {
                    File previous = map.putIfAbsent(iri.get().toString(), f);
                    if (previous != null && !previous.equals(f)) {
                        System.err.println("OwlCheck: " + iri.get() + " is the IRI of both "
                            + previous + " and " + f + "; using " + previous);
                    }
                }
            }
        } catch (OWLOntologyCreationException | RuntimeException e) {
            System.err.println("OwlCheck: cannot read " + f + " to map its IRI: " + e);
        }
    }

    private static void readCatalog(File catalog, Map<String, File> map) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        DocumentBuilder db = dbf.newDocumentBuilder();
        Document doc = db.parse(catalog);
        NodeList uris = doc.getElementsByTagNameNS(CATALOG_NS, "uri");
        File base = catalog.getAbsoluteFile().getParentFile();
        for (int i = 0; i < uris.getLength(); i++) {
            Element e = (Element) uris.item(i);
            String name = e.getAttribute("name");
            String uri = e.getAttribute("uri");
            File target = uri.startsWith("file:") ? new File(java.net.URI.create(uri)) : new File(base, uri);
            map.putIfAbsent(name, target.getCanonicalFile());
        }
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    private static String json(List<String> items) {
        return items.stream().map(OwlCheck::json).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String docName(OWLOntologyManager m, OWLOntology c) {
        String doc = m.getOntologyDocumentIRI(c).toString();
        return doc.substring(doc.lastIndexOf('/') + 1);
    }

    /** File names of the closure's documents a profile violation comes from ("?" if none). */
    private static List<String> documentsOf(OWLProfileViolation v, List<OWLOntology> closure,
                                            OWLOntologyManager m) {
        TreeSet<String> docs = new TreeSet<>();
        org.semanticweb.owlapi.model.OWLAxiom ax = null;
        OWLOntology where = null;
        try {
            ax = v.getAxiom();
        } catch (RuntimeException noAxiom) {
            // getAxiom() refuses to return null: the violation is about an annotation or a name
        }
        try {
            where = v.getOntology();
        } catch (RuntimeException noOntology) {
            // likewise
        }
        for (OWLOntology c : closure) {
            if (ax != null ? c.containsAxiom(ax) : c.equals(where)) {
                docs.add(docName(m, c));
            }
        }
        if (docs.isEmpty()) {
            docs.add("?");
        }
        return new ArrayList<>(docs);
    }

    private static String iriOf(Optional<IRI> iri) {
        return iri.map(IRI::toString).orElse("");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java OwlCheck FILE [LOCALDIR | CATALOG.xml ...]");
            System.exit(2);
        }
        blockNetwork();
        File file = new File(args[0]).getCanonicalFile();

        Map<String, File> map = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            File arg = new File(args[i]).getCanonicalFile();
            if (arg.isDirectory()) {
                File[] children = arg.listFiles();
                if (children == null) {
                    continue;
                }
                java.util.Arrays.sort(children);
                for (File child : children) {
                    String n = child.getName().toLowerCase(Locale.ROOT);
                    for (String suffix : ONTOLOGY_SUFFIXES) {
                        if (child.isFile() && n.endsWith(suffix)) {
                            learnIRIs(child, map);
                        }
                    }
                }
            } else if (arg.getName().endsWith(".xml")) {
                readCatalog(arg, map);
            } else {
                System.err.println("usage: " + arg + " is neither a folder nor a catalog (.xml)");
                System.exit(2);
            }
        }

        LocalOnlyMapper[] mapperOut = new LocalOnlyMapper[1];
        OWLOntologyManager m = newManager(map, mapperOut);
        TreeSet<String> missing = new TreeSet<>();
        TreeSet<String> importErrors = new TreeSet<>();
        m.addMissingImportListener(event -> {
            String iri = event.getImportedOntologyURI().toString();
            missing.add(iri);
            Throwable cause = event.getCreationException();
            String why = cause == null ? "unknown reason" : String.valueOf(cause.getMessage());
            if (!map.containsKey(iri)) {
                why = "not mapped to a local file (imports are never fetched from the network)";
            }
            // keep it to one line: the OWL API's messages can be long stack-like texts
            importErrors.add(iri + ": " + why.replaceAll("\\s+", " ").trim());
        });

        // The OWL API reports some problems only through its log (slf4j-simple writes to
        // System.err at the time of each message): copy stderr while loading to keep them.
        PrintStream originalErr = System.err;
        ByteArrayOutputStream logCopy = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new TeeStream(originalErr, logCopy), true, StandardCharsets.UTF_8));
        OWLOntology o;
        try {
            o = m.loadOntologyFromOntologyDocument(sourceFor(file), config(m));
        } catch (OWLOntologyCreationException | RuntimeException e) {
            // the OWL API's parsers throw unchecked exceptions on some malformed input
            System.out.println("{\"file\": " + json(file.getPath()) + ", \"error\": "
                + json(e.toString()) + ", \"missing_imports\": "
                + json(new ArrayList<>(missing)) + ", \"import_errors\": "
                + json(new ArrayList<>(importErrors)) + "}");
            System.exit(1);
            return;
        } finally {
            System.err.flush();
            System.setErr(originalErr);
        }
        List<String> loaderMessages = new ArrayList<>();
        for (String line : logCopy.toString(StandardCharsets.UTF_8).split("\\R")) {
            if (line.contains(" ERROR ") || line.contains(" WARN ")) {
                loaderMessages.add(line.replaceFirst("^\\[[^\\]]*\\] ", "").trim());
            }
        }

        List<String> unparsed = new ArrayList<>();
        List<String> guessed = new ArrayList<>();
        List<String> imports = new ArrayList<>();
        List<OWLOntology> closure = o.importsClosure().collect(Collectors.toList());
        for (OWLOntology c : closure) {
            if (!c.getOntologyID().equals(o.getOntologyID())) {
                imports.add(iriOf(c.getOntologyID().getOntologyIRI()));
            }
            OWLDocumentFormat fmt = m.getOntologyFormat(c);
            IRI doc = m.getOntologyDocumentIRI(c);
            String docName = doc.toString().substring(doc.toString().lastIndexOf('/') + 1);
            if (fmt != null) {
                Optional<OWLOntologyLoaderMetaData> meta = fmt.getOntologyLoaderMetaData();
                if (meta.isPresent()) {
                    meta.get().getUnparsedTriples()
                        .map(t -> docName + ": " + t.toString().replaceAll("\\s+", " ").trim())
                        .forEach(unparsed::add);
                    meta.get().getGuessedDeclarations().entries().forEach(e -> guessed.add(
                        docName + ": " + e.getKey() + " guessed as " + e.getValue().getSimpleName()));
                }
            }
        }
        Collections.sort(unparsed);
        Collections.sort(guessed);
        Collections.sort(imports);

        OWLProfileReport report = Profiles.OWL2_DL.checkOntology(o);
        List<String> violations = new ArrayList<>();
        Map<String, Integer> byDocument = new java.util.TreeMap<>();
        for (OWLProfileViolation v : report.getViolations()) {
            violations.add(v.toString().replaceAll("\\s+", " ").trim());
            for (String doc : documentsOf(v, closure, m)) {
                byDocument.merge(doc, 1, Integer::sum);
            }
        }
        Collections.sort(violations);

        OWLOntologyID id = o.getOntologyID();
        OWLDocumentFormat rootFormat = m.getOntologyFormat(o);
        StringBuilder out = new StringBuilder("{");
        out.append("\"file\": ").append(json(file.getPath()));
        out.append(", \"format\": ").append(json(rootFormat == null ? "" : rootFormat.getKey()));
        out.append(", \"ontology_iri\": ").append(json(iriOf(id.getOntologyIRI())));
        out.append(", \"version_iri\": ").append(json(iriOf(id.getVersionIRI())));
        out.append(", \"axioms\": ").append(o.getAxiomCount(Imports.INCLUDED));
        out.append(", \"logical_axioms\": ").append(o.getLogicalAxiomCount(Imports.INCLUDED));
        out.append(", \"root_axioms\": ").append(o.getAxiomCount(Imports.EXCLUDED));
        out.append(", \"unparsed_triples\": ").append(json(unparsed));
        out.append(", \"dl_violations\": ").append(json(violations));
        out.append(", \"guessed_declarations\": ").append(json(guessed));
        out.append(", \"missing_imports\": ").append(json(new ArrayList<>(missing)));
        out.append(", \"import_errors\": ").append(json(new ArrayList<>(importErrors)));
        out.append(", \"imports\": ").append(json(imports));
        out.append(", \"loader_messages\": ").append(json(loaderMessages));
        out.append(", \"dl_violation_documents\": {").append(byDocument.entrySet().stream()
            .map(e -> json(e.getKey()) + ": " + e.getValue()).collect(Collectors.joining(", ")))
            .append("}");
        out.append("}");
        System.out.println(out);
        System.exit(0);
    }
}

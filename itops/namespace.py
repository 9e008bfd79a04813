"""The itops vocabulary as a closed rdflib namespace: a typo in a term name fails loudly.

Kept in step with ``ontology/itops.ttl`` by ``tests/test_ontology.py``."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD, DefinedNamespace, Namespace


class ITOPS(DefinedNamespace):
    """Terms of the itops ontology (https://w3id.org/itops#)."""

    _fail = True
    _NS = Namespace("https://w3id.org/itops#")

    Abolition: URIRef
    AccountabilityArrangement: URIRef
    AgreedEquivalent: URIRef
    ApplianceContractor: URIRef
    ApprovalRoute: URIRef
    AreaTeam: URIRef
    Assurance: URIRef
    AssuranceFramework: URIRef
    CareService: URIRef
    ChangeEvent: URIRef
    ClinicalCommissioningGroup: URIRef
    CommissioningArrangement: URIRef
    CommissioningRelationship: URIRef
    CommissioningStatement: URIRef
    CommissioningSupportUnit: URIRef
    CommunityOptometryPractice: URIRef
    CommunityPharmacy: URIRef
    CommunityServiceProvider: URIRef
    DMSPractice: URIRef
    Delegation: URIRef
    DentalPractice: URIRef
    Document: URIRef
    EscalationRoute: URIRef
    Evidence: URIRef
    Function: URIRef
    FundingStatement: URIRef
    GPPractice: URIRef
    GlossaryEntry: URIRef
    GovernmentDepartment: URIRef
    GroupDecision: URIRef
    Guidance: URIRef
    HealthcareProvider: URIRef
    IGTStatus: URIRef
    ITService: URIRef
    ITServiceProvider: URIRef
    InformationStandard: URIRef
    IntegratedCareBoard: URIRef
    LocalITSupplier: URIRef
    MatrixResponsibility: URIRef
    Merger: URIRef
    NHSCBTeam: URIRef
    NationalBody: URIRef
    NationalSystem: URIRef
    NetworkService: URIRef
    Obligation: URIRef
    Party: URIRef
    PartyCategory: URIRef
    PatientCohort: URIRef
    Policy: URIRef
    PrimaryCareContractor: URIRef
    PrimaryCareTrust: URIRef
    PrivateProvider: URIRef
    ProvisionStatement: URIRef
    PurposeStatement: URIRef
    Reading: URIRef
    ReferenceEntry: URIRef
    Renaming: URIRef
    Replacement: URIRef
    Responsibility: URIRef
    Restructuring: URIRef
    ScopeItem: URIRef
    ScopeStatus: URIRef
    SecondaryCareProvider: URIRef
    Section: URIRef
    Service: URIRef
    ServiceAgency: URIRef
    Standard: URIRef
    StandardRequirement: URIRef
    Statement: URIRef
    SupportService: URIRef
    SystemSupplier: URIRef
    ThirdSectorProvider: URIRef
    accessCommissionedBy: URIRef
    accountabilityRetainedBy: URIRef
    accountableForDelivery: URIRef
    accountableForManagement: URIRef
    acronym: URIRef
    actionBy: URIRef
    actsThrough: URIRef
    adheresToNhsmailPolicy: URIRef
    adheresToRaPolicy: URIRef
    advisedBy: URIRef
    alternativeParty: URIRef
    appliesTo: URIRef
    approvalSoughtBy: URIRef
    approvalSoughtFrom: URIRef
    assuranceFor: URIRef
    assuranceHolder: URIRef
    assuredBy: URIRef
    changeOf: URIRef
    checkedBy: URIRef
    combinesUnit: URIRef
    commissionedBy: URIRef
    commissionedFrom: URIRef
    commissionsService: URIRef
    compliesWith: URIRef
    comprises: URIRef
    concernsService: URIRef
    concernsStandard: URIRef
    condition: URIRef
    connectsTo: URIRef
    coversCategory: URIRef
    datePrecision: URIRef
    decidesGroup: URIRef
    delegatedBy: URIRef
    delegatedTo: URIRef
    delegates: URIRef
    denotes: URIRef
    derivedFromStatement: URIRef
    description: URIRef
    determinedBy: URIRef
    dscnNumber: URIRef
    effectiveFrom: URIRef
    enforcesSection: URIRef
    enforcesStatement: URIRef
    equivalentFor: URIRef
    equivalentName: URIRef
    escalatedBy: URIRef
    escalatesTo: URIRef
    escalationContact: URIRef
    evidence: URIRef
    excerpt: URIRef
    forCohort: URIRef
    forFunction: URIRef
    fromDocument: URIRef
    fromSection: URIRef
    fundedBy: URIRef
    hasAccountableBody: URIRef
    hasAgreedEquivalent: URIRef
    hasAssurance: URIRef
    hasCommissioner: URIRef
    hasITSupplier: URIRef
    hasProvider: URIRef
    heldBy: URIRef
    igtStatus: URIRef
    igtSubmittedOn: URIRef
    inCategory: URIRef
    inDocument: URIRef
    instrument: URIRef
    isCombinedIn: URIRef
    isComprisedBy: URIRef
    issuesGoTo: URIRef
    itCommissionedBy: URIRef
    itProvidersOf: URIRef
    itemNumber: URIRef
    leftOpen: URIRef
    legalDate: URIRef
    memberClass: URIRef
    modality: URIRef
    needsProperty: URIRef
    noDirectResponsibility: URIRef
    obligationAssuredBy: URIRef
    obligedAction: URIRef
    obligedParty: URIRef
    obligedStandard: URIRef
    odsCode: URIRef
    onBehalfOf: URIRef
    operationalDate: URIRef
    paidThrough: URIRef
    partOfService: URIRef
    partyRole: URIRef
    performanceManagedBy: URIRef
    providesService: URIRef
    publicationDate: URIRef
    publishedBy: URIRef
    quotes: URIRef
    reasoning: URIRef
    registrationAuthority: URIRef
    remedy: URIRef
    requiresStandard: URIRef
    responsibleParty: URIRef
    resultsIn: URIRef
    rowNumber: URIRef
    ruleFamily: URIRef
    scopeStatus: URIRef
    sectionNumber: URIRef
    serviceDescription: URIRef
    severity: URIRef
    standardNumber: URIRef
    statementNumber: URIRef
    subItemOf: URIRef
    subsectionOf: URIRef
    supportsParty: URIRef
    teamOf: URIRef
    term: URIRef
    title: URIRef
    uncheckedBecause: URIRef
    usesSmartcards: URIRef
    validFrom: URIRef
    validUntil: URIRef
    webAddress: URIRef


#: Namespace of the individuals of the bundled documents (organisations, statements, sections).
ID = Namespace("https://w3id.org/itops/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")

#: The ontology IRI and the IRIs of the named graphs the bundled files are loaded into.
ONTOLOGY_IRI = URIRef("https://w3id.org/itops")
DATA_GRAPH_BASE = "https://w3id.org/itops/data/"

#: The prefixes of the queries, the messages and the CLI's short IRIs, one namespace each.
PREFIXES: dict[str, str] = {
    prefix: str(namespace)
    for prefix, namespace in (
        ("itops", ITOPS),
        ("id", ID),
        ("org", ORG),
        ("prov", PROV),
        ("skos", SKOS),
        ("rdfs", RDFS),
        ("rdf", RDF),
        ("owl", OWL),
        ("xsd", XSD),
        ("dcterms", DCTERMS),
        ("sh", SH),
    )
}

package ldapstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/uuid"

	"github.com/azgate/azgate/policy"
)

// Attribute and class names, spelled as in the AD schema.
const (
	attrObjectClass      = "objectClass"
	attrCN               = "cn"
	attrDescription      = "description"
	attrGUID             = "msDS-AzObjectGuid"
	attrGenericData      = "msDS-AzGenericData"
	attrMajorVersion     = "msDS-AzMajorVersion"
	attrMinorVersion     = "msDS-AzMinorVersion"
	attrAppName          = "msDS-AzApplicationName"
	attrAppVersion       = "msDS-AzApplicationVersion"
	attrAppData          = "msDS-AzApplicationData"
	attrOperationID      = "msDS-AzOperationID"
	attrScopeName        = "msDS-AzScopeName"
	attrIsRoleDefinition = "msDS-AzTaskIsRoleDefinition"
	attrBizRule          = "msDS-AzBizRule"
	attrBizRuleLanguage  = "msDS-AzBizRuleLanguage"
	attrBizRulePath      = "msDS-AzLastImportedBizRulePath"
	attrOpsForTask       = "msDS-OperationsForAzTask"
	attrTasksForTask     = "msDS-TasksForAzTask"
	attrOpsForRole       = "msDS-OperationsForAzRole"
	attrTasksForRole     = "msDS-TasksForAzRole"
	attrMembersForRole   = "msDS-MembersForAzRole"
	attrGroupType        = "groupType"
	attrMember           = "member"
	attrNonMembers       = "msDS-NonMembers"
	attrLDAPQuery        = "msDS-AzLDAPQuery"
	attrObjectSid        = "objectSid"

	classStore     = "msDS-AzAdminManager"
	classApp       = "msDS-AzApplication"
	classScope     = "msDS-AzScope"
	classOperation = "msDS-AzOperation"
	classTask      = "msDS-AzTask"
	classRole      = "msDS-AzRole"
	classGroup     = "group"
	classContainer = "container"
	classFSP       = "foreignSecurityPrincipal"
)

// searchAttrs are the attributes Load reads.
var searchAttrs = []string{
	attrObjectClass, attrCN, attrDescription, attrGUID, attrGenericData, attrMajorVersion, attrMinorVersion,
	attrAppName, attrAppVersion, attrAppData, attrOperationID, attrScopeName, attrIsRoleDefinition,
	attrBizRule, attrBizRuleLanguage, attrBizRulePath, attrOpsForTask, attrTasksForTask, attrOpsForRole,
	attrTasksForRole, attrMembersForRole, attrGroupType, attrMember, attrNonMembers, attrLDAPQuery, attrObjectSid,
}

// groupType values of application groups. 0x10 and 0x20 are AD's
// GROUP_TYPE_APP_BASIC_GROUP and GROUP_TYPE_APP_QUERY_GROUP; AD documents no
// value for business-rule groups, so azgate uses the next bit, 0x40.
const (
	groupTypeBasic   = "16"
	groupTypeQuery   = "32"
	groupTypeBizRule = "64"
)

// Container names: Az<Kind>ObjectContainer-<parent CN>, as AzMan writes them.
const (
	prefixOps    = "AzOpObjectContainer-"
	prefixTasks  = "AzTaskObjectContainer-"
	prefixRoles  = "AzRoleObjectContainer-"
	prefixGroups = "AzGroupObjectContainer-"
	// fspName is the container of the store's principal entries.
	fspName = "ForeignSecurityPrincipals"
	// maxCN is AD's limit on a CN (rangeUpper 64); an application or
	// scope whose name is longer is named by its GUID, as AzMan does.
	maxCN = 64
)

type kind int

const (
	kindUnknown kind = iota
	kindStore
	kindContainer // one of the Az*ObjectContainer- containers
	kindFSPs      // the ForeignSecurityPrincipals container
	kindApp
	kindScope
	kindOperation
	kindTask
	kindRole
	kindGroup
	kindPrincipal // a foreignSecurityPrincipal (SID) or an account-name container
)

func (k kind) String() string {
	return [...]string{"unknown", "store", "container", "principal container", "application", "scope",
		"operation", "task", "role assignment", "application group", "principal"}[k]
}

// token is one value of a link attribute: what it means (id) and how it is
// spelled in the directory (raw).
//
//	"o:<guid>"   an AzMan object (operation, task, application group)
//	"p:<member>" a principal, exactly as in the policy
//	"x:<ndn>"    a DN this package cannot interpret
type token struct {
	id   string
	raw  string
	norm string // normDN(raw)
}

// entry is one directory entry of a store: wanted (built from a policy) or
// found (read from the directory).
type entry struct {
	dn      string
	ndn     string
	rdn     string // the first RDN as written, e.g. "CN=Task #1"
	parent  *entry
	depth   int
	kind    kind
	key     string // identity across saves, see key()
	classes []string
	attrs   map[string][]string // single-valued attributes this package manages
	links   map[string][]token  // link attributes

	match *entry // diff: the entry on the other side
}

// managedAttrs lists, per kind, the plain attributes a save keeps equal to
// the policy (absent in the policy: deleted). Other attributes are left
// alone.
var managedAttrs = map[kind][]string{
	kindStore:     {attrDescription, attrMajorVersion, attrMinorVersion},
	kindApp:       {attrCN, attrAppName, attrDescription, attrAppVersion, attrAppData, attrGUID},
	kindScope:     {attrCN, attrScopeName, attrDescription, attrGUID},
	kindOperation: {attrCN, attrDescription, attrOperationID, attrAppData, attrGUID},
	kindTask: {attrCN, attrDescription, attrIsRoleDefinition, attrBizRule, attrBizRuleLanguage, attrBizRulePath,
		attrAppData, attrGUID},
	kindRole:  {attrCN, attrDescription, attrGUID, attrGenericData},
	kindGroup: {attrCN, attrDescription, attrGroupType, attrLDAPQuery, attrBizRule, attrBizRuleLanguage, attrBizRulePath, attrGUID, attrGenericData},
}

// linkAttrs lists, per kind, the link attributes.
var linkAttrs = map[kind][]string{
	kindTask:  {attrOpsForTask, attrTasksForTask},
	kindRole:  {attrTasksForRole, attrOpsForRole, attrMembersForRole},
	kindGroup: {attrMember, attrNonMembers},
}

// escapeRDNValue escapes a value for an RDN (RFC 4514 section 2.4).
func escapeRDNValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case (i == 0 && (c == ' ' || c == '#')) || (i == len(v)-1 && c == ' '):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\' || c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			b.WriteByte('\\')
			b.WriteString(hex.EncodeToString([]byte{c}))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// foldValue is the comparison form of a directory string under
// caseIgnoreMatch: case folded, inner white space collapsed, outer trimmed.
func foldValue(v string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(v, unicode.IsSpace), " "))
}

// normDN is the comparison form of a DN; "" when s is not a DN.
func normDN(s string) string {
	d, err := ldap.ParseDN(s)
	if err != nil || len(d.RDNs) == 0 {
		return ""
	}
	return normParsed(d.RDNs)
}

func normParsed(rdns []*ldap.RelativeDN) string {
	var b strings.Builder
	for i, r := range rdns {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, a := range r.Attributes {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(strings.ToLower(a.Type))
			b.WriteByte('=')
			b.WriteString(foldValue(a.Value))
		}
	}
	return b.String()
}

// guidBytes converts a GUID string to the 16 bytes AD stores in
// msDS-AzObjectGuid: Data1, Data2 and Data3 little-endian, Data4 as is.
func guidBytes(s string) ([]byte, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a GUID: %w", s, policy.ErrInvalid)
	}
	b := make([]byte, 16)
	b[0], b[1], b[2], b[3] = u[3], u[2], u[1], u[0]
	b[4], b[5] = u[5], u[4]
	b[6], b[7] = u[7], u[6]
	copy(b[8:], u[8:])
	return b, nil
}

// guidString converts msDS-AzObjectGuid bytes to AzMan's lower-case form.
func guidString(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("%d bytes, want 16", len(b))
	}
	var u uuid.UUID
	u[0], u[1], u[2], u[3] = b[3], b[2], b[1], b[0]
	u[4], u[5] = b[5], b[4]
	u[6], u[7] = b[7], b[6]
	copy(u[8:], b[8:])
	return u.String(), nil
}

// digest summarises what a store's entries say, independently of entry and
// value order: identity, parent, managed attributes and link targets of
// every entry. A save writes the digest of what it wrote into the
// committed marker; a reader whose entries give another digest has read
// them before they all arrived (replication delivers a catch-up in its own
// order) and reads again.
func (t *tree) digest() string {
	lines := make([]string, 0, len(t.entries))
	var b strings.Builder
	for _, e := range t.entries {
		if e.kind == kindUnknown {
			continue
		}
		b.Reset()
		b.WriteString(e.key)
		if e.parent != nil {
			b.WriteString("\x1e")
			b.WriteString(e.parent.key)
		}
		attrs := managedAttrs[e.kind]
		if e.kind == kindPrincipal {
			attrs = []string{attrObjectSid}
		}
		for _, a := range attrs {
			if a == attrGenericData {
				// Only azgate's terms count (another tool's value a save
				// leaves alone), and no terms add nothing: the digest of
				// a store without terms is what it was before terms.
				if v := e.attrs[a]; len(v) > 0 && ownsGenericData(v[0]) {
					b.WriteString("\x1e" + a + "\x1f" + v[0])
				}
				continue
			}
			b.WriteString("\x1e")
			b.WriteString(a)
			for _, v := range e.attrs[a] {
				b.WriteString("\x1f")
				b.WriteString(v)
			}
		}
		for _, a := range linkAttrs[e.kind] {
			ids := make([]string, len(e.links[a]))
			for i, tk := range e.links[a] {
				ids[i] = tk.id
			}
			slices.Sort(ids)
			b.WriteString("\x1e")
			b.WriteString(a)
			for _, id := range ids {
				b.WriteString("\x1f")
				b.WriteString(id)
			}
		}
		lines = append(lines, b.String())
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// op: the operation catalog and the operations of the store.

func newOpCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "op", Short: "List, create, rename and delete operations"}
	cmd.AddCommand(opListCmd(c))
	cmd.AddCommand(opEditCmds(c)...)
	return cmd
}

// opRow is one line of op list.
type opRow struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Category    string `json:"category,omitempty"` // "" for operations not in the catalog
	Description string `json:"description,omitempty"`
	// InStore: the store's application defines the operation.
	InStore bool `json:"inStore"`
	// StoreID is the store's OperationID when it differs from the catalog's.
	StoreID int `json:"storeId,omitempty"`
	// Foreign: the store defines an operation the catalog does not know.
	Foreign bool `json:"foreign,omitempty"`
}

func opListCmd(c *cli) *cobra.Command {
	var asJSON bool
	var app string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the catalog's operations and the store's",
		Long: `List every operation of the catalog with its ID and category, and whether the
store's application defines it; then the store's operations the catalog does
not know (foreign operations, from an imported store). Without a store, the
catalog alone is listed.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var a *policy.Application
			p, err := c.load(cmd.Context())
			switch {
			case errors.Is(err, policy.ErrNotFound):
				fmt.Fprintf(cmd.ErrOrStderr(), "azgate: no store at %s; listing the catalog only\n", c.storeURL)
			case err != nil:
				return err
			default:
				l := &locFlags{app: app}
				loc, err := l.resolve(p)
				if err != nil {
					return err
				}
				if a, err = p.Application(loc.App); err != nil {
					return err
				}
			}
			rows := opRows(a)
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rows)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCATEGORY\tIN STORE")
			for _, r := range rows {
				in := "-"
				switch {
				case r.Foreign:
					in = "foreign"
				case r.StoreID != 0:
					in = "yes, as ID " + strconv.Itoa(r.StoreID)
				case r.InStore:
					in = "yes"
				case a == nil:
					in = ""
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", r.ID, r.Name, r.Category, in)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&app, "app", "", appFlagHelp)
	return cmd
}

// opRows lists the catalog, marked with what a defines (a may be nil), then
// a's operations the catalog does not know.
func opRows(a *policy.Application) []opRow {
	var rows []opRow
	if a != nil && !names.Equal(a.Name, policy.DefaultApplication) {
		// Another application: its store defines all it has.
		for _, so := range a.Operations {
			rows = append(rows, opRow{ID: so.OperationID, Name: so.Name, Description: strings.TrimSpace(so.Description), InStore: true})
		}
		return rows
	}
	seen := map[*policy.Operation]bool{}
	for _, o := range operations.All() {
		r := opRow{ID: int(o.ID), Name: o.Name, Category: string(o.Category), Description: o.Description}
		if a != nil {
			if so, err := a.Operation(o.Name); err == nil {
				seen[so] = true
				r.InStore = true
				if so.OperationID != int(o.ID) {
					r.StoreID = so.OperationID
				}
			}
		}
		rows = append(rows, r)
	}
	if a != nil {
		for _, so := range a.Operations {
			if !seen[so] {
				rows = append(rows, opRow{ID: so.OperationID, Name: so.Name, Description: strings.TrimSpace(so.Description), InStore: true, Foreign: true})
			}
		}
	}
	return rows
}

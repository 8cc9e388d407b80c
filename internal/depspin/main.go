package main
import (
 _ "github.com/casbin/casbin/v2"
 _ "github.com/go-ldap/ldap/v3"
 _ "github.com/gorilla/mux"
 _ "github.com/spf13/cobra"
 _ "go.etcd.io/bbolt"
 _ "golang.org/x/crypto/bcrypt"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "github.com/gofrs/flock"
 _ "github.com/fsnotify/fsnotify"
 _ "github.com/expr-lang/expr"
 _ "github.com/google/uuid"
 _ "github.com/prometheus/client_golang/prometheus/promhttp"
)
func main(){}

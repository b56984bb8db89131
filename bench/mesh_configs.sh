# Config writers of bench/mesh_run.sh: mesh-control's resource directory, the sidecars'
# bootstrap and nginx's two sidecar configs. Sourced, not run; they read mesh_run.sh's globals
# (P_APP, P_ADS, P_NG_OUT, IP_SERVER, IP_SERVER_LOG, IP_NG_SERVER, SVC, TMP, C, CONCURRENCY).

# write_mesh_dir DIR: DIR/mesh.yaml and an empty DIR/all; the nodes' listener files come from
# client_node / server_node below.
write_mesh_dir() {
  MESH="$1"
  mkdir -p "$MESH/all"
  cat > "$MESH/mesh.yaml" <<EOF
mtls: STRICT
services:
- name: app
  namespace: default
  service_account: app
  endpoints: [$IP_SERVER]
  ports: [ { port: $P_APP, protocol: http } ]
- name: app-logged   # the same app behind the sidecar pair with access logs
  namespace: default
  service_account: app
  endpoints: [$IP_SERVER_LOG]
  ports: [ { port: $P_APP, protocol: http } ]
EOF
}

access_log_yaml() {  # PATH ("" = none), at the HCM's indentation
  [[ -z $1 ]] && return
  cat <<EOF
        access_log:
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: $1
EOF
}
hcm_yaml() {  # STAT_PREFIX CLUSTER XFCC(0|1) ACCESS_LOG_PATH
  cat <<EOF
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: "$1"
EOF
  [[ $3 == 1 ]] && printf '        forward_client_cert_details: SANITIZE_SET\n        set_current_client_cert_details: { uri: true }\n'
  cat <<EOF
        route_config:
          name: "$2"
          virtual_hosts: [ { name: "$2", domains: ["*"], routes: [ { match: { prefix: / }, route: { cluster: "$2" } } ] } ]
        http_filters:
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
EOF
  access_log_yaml "$4"
}
unbound_listener_yaml() {  # NAME PORT CLUSTER: kept by name, not bound (nothing redirects to it)
  cat <<EOF
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: $1
  address: { socket_address: { address: 0.0.0.0, port_value: $2 } }
  bind_to_port: false
  default_filter_chain:
    name: PassthroughFilterChain
    filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: $3, cluster: $3 }
EOF
}
client_node() {  # NODE PORT SERVICE ACCESS_LOG_PATH
  mkdir -p "$MESH/nodes/$1"
  {
    cat <<EOF
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: virtualOutbound
  address: { socket_address: { address: 127.0.0.1, port_value: $2 } }
  filter_chains:
  - name: "outbound|$P_APP||$3"
    filters:
EOF
    hcm_yaml "outbound|$P_APP||$3" "outbound|$P_APP||$3" 0 "$4"
    unbound_listener_yaml virtualInbound 15006 BlackHoleCluster
  } > "$MESH/nodes/$1/loopback-listeners.yaml"
}
server_node() {  # NODE POD_IP ACCESS_LOG_PATH
  mkdir -p "$MESH/nodes/$1"
  {
    cat <<EOF
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: virtualInbound
  address: { socket_address: { address: $2, port_value: $P_APP } }
  listener_filters:
  - name: envoy.filters.listener.tls_inspector
    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
  filter_chains:
  - name: "inbound|$P_APP||tls"
    filter_chain_match: { destination_port: $P_APP, transport_protocol: tls }
    filters:
EOF
    hcm_yaml "inbound_0.0.0.0_$P_APP" "inbound|$P_APP||" 1 "$3"
    cat <<EOF
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
        require_client_certificate: true
        common_tls_context:
          tls_certificate_sds_secret_configs:
          - { name: default, sds_config: { ads: {}, resource_api_version: V3 } }
          combined_validation_context:
            default_validation_context:
              match_typed_subject_alt_names:
              - { san_type: URI, matcher: { prefix: "spiffe://cluster.local/" } }
            validation_context_sds_secret_config: { name: ROOTCA, sds_config: { ads: {}, resource_api_version: V3 } }
  default_filter_chain:
    name: PassthroughFilterChain
    filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: BlackHoleCluster, cluster: BlackHoleCluster }
EOF
    unbound_listener_yaml virtualOutbound 15001 PassthroughCluster
  } > "$MESH/nodes/$1/loopback-listeners.yaml"
}

# write_sidecar_bootstrap FILE: one bootstrap for every meshproxy sidecar; who it is comes from
# the flags `mesh-control inject` gives a pod (--service-node, --node-metadata ...).
write_sidecar_bootstrap() {
  cat > "$1" <<EOF
node: { id: set-by-flag, cluster: set-by-flag }
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services: [ { envoy_grpc: { cluster_name: xds-grpc } } ]
  cds_config: { ads: {}, resource_api_version: V3 }
  lds_config: { ads: {}, resource_api_version: V3 }
static_resources:
  clusters:
  - name: xds-grpc
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: xds-grpc
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $P_ADS } } } } ] } ]
EOF
}

# write_nginx_sidecar_confs: $TMP/ng-server/nginx.conf (mTLS termination, ssl_verify_client)
# and $TMP/ng-client/nginx.conf (mTLS origination with proxy_ssl_certificate), keep-alive
# upstreams, certificates in $C signed by mesh-control's root.
write_nginx_sidecar_confs() {
  mkdir -p "$TMP/ng-server" "$TMP/ng-client"
  {
    nginx_common "$TMP/ng-server" "$CONCURRENCY"
    cat <<EOF
http {
    access_log off;
$(nginx_temp_paths "$TMP/ng-server")
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    upstream app {
        server 127.0.0.1:$P_APP;
        keepalive 128;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen $IP_NG_SERVER:$P_APP ssl backlog=4096;
        ssl_certificate $C/ng-server.pem;
        ssl_certificate_key $C/ng-server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_client_certificate $TMP/ca/root-cert.pem;
        ssl_verify_client on;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header x-forwarded-client-cert "Subject=\\"\$ssl_client_s_dn\\"";
            proxy_bind 127.0.0.6;
        }
    }
}
EOF
  } > "$TMP/ng-server/nginx.conf"
  {
    nginx_common "$TMP/ng-client" "$CONCURRENCY"
    cat <<EOF
http {
    access_log off;
$(nginx_temp_paths "$TMP/ng-client")
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    upstream app_mtls {
        server $IP_NG_SERVER:$P_APP;
        keepalive 128;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$P_NG_OUT backlog=4096;
        location / {
            proxy_pass https://app_mtls;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_ssl_certificate $C/ng-client.pem;
            proxy_ssl_certificate_key $C/ng-client.key;
            proxy_ssl_trusted_certificate $TMP/ca/root-cert.pem;
            proxy_ssl_verify on;
            proxy_ssl_name $SVC;
            proxy_ssl_server_name on;
            proxy_ssl_protocols TLSv1.2 TLSv1.3;
            proxy_ssl_session_reuse on;
        }
    }
}
EOF
  } > "$TMP/ng-client/nginx.conf"
}

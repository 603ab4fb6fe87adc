//! A throwaway PostgreSQL cluster with TLS, for the tests that must control
//! the server itself: its certificate (signed by a CA made here with rcgen),
//! `hostssl`-only access, a restart. It runs the PostgreSQL binaries already
//! installed for the shared server (CI installs them), listens on
//! 127.0.0.1 on a free port, and is stopped and deleted on drop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};

/// A password in every URL the tests build, so they can check it never
/// shows up in an error. The cluster trusts `postgres` without asking.
pub const PASSWORD: &str = "pw-must-not-leak-42";

/// A role that must authenticate with SCRAM (a test creates it).
pub const SCRAM_USER: &str = "scram_user";

pub struct TlsCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    /// The CA that signed the server certificate (valid for `localhost`
    /// only, not for `127.0.0.1`).
    pub ca_file: PathBuf,
    /// A CA that has nothing to do with this server.
    pub other_ca_file: PathBuf,
}

impl TlsCluster {
    /// `None` only when PostgreSQL tests may be skipped (never under CI).
    pub fn start() -> Option<Self> {
        let Some(bin) = postgres_bin_dir() else {
            if testdb::may_skip_postgres() {
                eprintln!("SKIPPED: no PostgreSQL binaries under /usr/lib/postgresql and SKIP_POSTGRES_TESTS=1");
                return None;
            }
            panic!("this test needs the PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin); see README");
        };
        let dir = tempfile::Builder::new().prefix("ticketbot-pg-").tempdir().expect("temp dir");
        let (ca_pem, issuer) = make_ca("ticketbot test CA");
        let (other_ca_pem, _) = make_ca("some other CA");
        let server_key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.distinguished_name.push(DnType::CommonName, "localhost");
        let server_cert = params.signed_by(&server_key, &issuer).expect("sign server cert");

        let ca_file = dir.path().join("ca.pem");
        let other_ca_file = dir.path().join("other-ca.pem");
        std::fs::write(&ca_file, ca_pem).expect("write ca");
        std::fs::write(&other_ca_file, other_ca_pem).expect("write other ca");
        std::fs::write(dir.path().join("server.crt"), server_cert.pem()).expect("write cert");
        let key_file = dir.path().join("server.key");
        std::fs::write(&key_file, server_key.serialize_pem()).expect("write key");
        // PostgreSQL refuses a key others can read.
        run(Command::new("chmod").arg("600").arg(&key_file));
        if is_root() {
            // initdb refuses to run as root: the cluster belongs to `postgres`.
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()));
        }
        let data = dir.path().join("data");
        run(as_postgres(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "--no-instructions", "-D"])
            .arg(&data));
        // Only TLS connections are let in, so `sslmode=disable` must fail.
        // `SCRAM_USER` (once a test creates it) must give its password, as
        // on a hosted database; everyone else is trusted.
        let hba = format!(
            "hostssl all {SCRAM_USER} 127.0.0.1/32 scram-sha-256\nhostssl all {SCRAM_USER} ::1/128 scram-sha-256\n\
             hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n"
        );
        std::fs::write(data.join("pg_hba.conf"), hba).expect("write pg_hba.conf");

        let mut cluster = Self { dir, bin, port: 0, ca_file, other_ca_file };
        // A free port can be taken by someone else between probing and
        // binding it: try a few.
        for _ in 0..5 {
            cluster.port = free_port();
            cluster.write_port_settings();
            if cluster.pg_ctl(&["-w", "-t", "60", "start"]) {
                return Some(cluster);
            }
        }
        panic!("the throwaway PostgreSQL did not start; its log:\n{}", cluster.log());
    }

    /// A URL for this cluster; `host` is `localhost` (the name in the
    /// certificate) or `127.0.0.1` (not in it).
    pub fn url(&self, host: &str, query: &str) -> String {
        let query = if query.is_empty() { String::new() } else { format!("?{query}") };
        format!("postgres://postgres:{PASSWORD}@{host}:{}/postgres{query}", self.port)
    }

    /// Restarts the server; every open connection is cut.
    pub fn restart(&self) {
        assert!(self.pg_ctl(&["-w", "-t", "60", "-m", "fast", "restart"]), "restart failed:\n{}", self.log());
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn write_port_settings(&self) {
        let dir = self.dir.path().display();
        let settings = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             ssl = on\nssl_cert_file = '{dir}/server.crt'\nssl_key_file = '{dir}/server.key'\n\
             fsync = off\nmax_connections = 30\n",
            port = self.port
        );
        // postgresql.auto.conf is read last, so these win over earlier tries.
        std::fs::write(self.data().join("postgresql.auto.conf"), settings).expect("write settings");
    }

    /// Runs `pg_ctl` as the cluster's owner; the server's output goes to the
    /// log file, never to a pipe this process would wait on.
    fn pg_ctl(&self, args: &[&str]) -> bool {
        as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        // `immediate`: nothing here is worth a clean shutdown's wait.
        self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
    }
}

fn make_ca(name: &str) -> (String, CertifiedIssuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("ca key")).expect("ca");
    (issuer.pem(), issuer)
}

/// The newest installed PostgreSQL's `bin` folder (Debian layout).
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    static ROOT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ROOT.get_or_init(|| Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n")))
}

fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) {
    let out = command.stdin(Stdio::null()).output().expect("run command");
    assert!(out.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

package id.perisai.jvm

import java.io.BufferedReader
import java.io.File
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A real `perisai-server` (target/debug/perisai-server, built by scripts/jvm-tests.sh and
 * scripts/android-tests.sh) on an SQLite file in a temp folder, listening on a free loopback
 * port; [close] stops it. The admin commands are the operator CLI (ARCHITECTURE.md §7): each prints its
 * id or code last. Shared by the JVM tests (bindings/jvm) and the Android app's tests
 * (android/app/src/test): both compile this folder, src/testkit.
 */
class RealServer private constructor(
    private val dir: Path,
    private val process: Process,
    val url: String,
) : AutoCloseable {

    private val databaseUrl = "sqlite:" + dir.resolve("server.db")

    /** Runs `perisai-server admin ARGS…` and returns the last stdout line (the id or code). */
    fun admin(vararg args: String): String = lastLine(run(listOf("admin") + args))

    /** A branch, a Wadah and an agent, and a one-time activation code for that agent. */
    fun agentWithCode(branch: String = "KC-BGR"): Pair<String, String> {
        val agent = agent(branch)
        return agent to admin("issue-code", "--agent", agent)
    }

    /** A branch, a Wadah and an agent in it; returns the agent's id. */
    fun agent(branch: String = "KC-BGR"): String {
        admin("create-branch", "--code", branch, "--name", "Kantor Cabang Bogor")
        val wadah = admin("create-wadah", "--branch", branch, "--name", "Koperasi Pasar Anyar")
        return admin("create-agent", "--wadah", wadah, "--name", "Rina Agen")
    }

    /** A new one-time code for [agent], as the branch's QR code carries it (`perisai:activate?…`). */
    fun qrPayload(agent: String): String =
        run(listOf("admin", "issue-code", "--agent", agent, "--server-url", url)).lines()
            .first { it.startsWith("qr ") }.removePrefix("qr ").trim()

    private fun run(args: List<String>): String {
        val p = ProcessBuilder(listOf(binary(), "--database-url", databaseUrl) + args)
            .directory(dir.toFile())
            .redirectErrorStream(false)
            .start()
        val out = p.inputStream.bufferedReader().readText()
        val err = p.errorStream.bufferedReader().readText()
        check(p.waitFor(60, TimeUnit.SECONDS)) { "perisai-server ${args.joinToString(" ")} did not finish" }
        check(p.exitValue() == 0) { "perisai-server ${args.joinToString(" ")} failed: $err" }
        return out
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        fun binary(): String {
            val path = System.getProperty("perisai.server.bin")
                ?: error("perisai.server.bin is not set (run through scripts/jvm-tests.sh or mvn test)")
            check(File(path).canExecute()) { "$path not found: cargo build -p perisai-server" }
            return path
        }

        private fun lastLine(text: String): String = text.trim().lines().last().trim()

        /**
         * Starts a server on 127.0.0.1 with a free port and waits until it listens; [serveArgs]
         * go to `serve` (e.g. `--batches-per-minute 1`).
         */
        fun start(dir: Path, vararg serveArgs: String): RealServer {
            val db = "sqlite:" + dir.resolve("server.db")
            val command = listOf(binary(), "--database-url", db, "serve", "--listen", "127.0.0.1:0") + serveArgs
            val process = ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(dir.resolve("server.log").toFile())
                .start()
            val reader: BufferedReader = process.inputStream.bufferedReader()
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
            var url: String? = null
            while (url == null && System.nanoTime() < deadline) {
                val line = reader.readLine() ?: break
                url = Regex("listening on (http://127\\.0\\.0\\.1:\\d+)").find(line)?.groupValues?.get(1)
            }
            if (url == null) {
                process.destroyForcibly()
                error("perisai-server did not start: " + dir.resolve("server.log").toFile().readText())
            }
            // Stopped when the JVM ends, also when a test never reaches close() (a crash, a
            // timeout, Ctrl-C): a child process outlives the JVM otherwise.
            Runtime.getRuntime().addShutdownHook(Thread { process.destroyForcibly() })
            // Keep draining stdout so the server never blocks on a full pipe.
            Thread { reader.useLines { lines -> lines.forEach { } } }.apply { isDaemon = true }.start()
            return RealServer(dir, process, url)
        }
    }
}

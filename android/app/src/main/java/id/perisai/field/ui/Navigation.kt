package id.perisai.field.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.navigation.NavHostController
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import id.perisai.field.logic.LockGate
import id.perisai.field.platform.Core
import id.perisai.field.ui.screens.ActivationScreen
import id.perisai.field.ui.screens.CashScreen
import id.perisai.field.ui.screens.CommissionScreen
import id.perisai.field.ui.screens.EnrollmentDetailScreen
import id.perisai.field.ui.screens.EnrollmentFormScreen
import id.perisai.field.ui.screens.HomeScreen
import id.perisai.field.ui.screens.LockScreen
import id.perisai.field.ui.screens.MyEnrollmentsScreen
import id.perisai.field.ui.screens.ParticipantsScreen
import id.perisai.field.ui.screens.ReceiptScreen

/**
 * The app: the lock while [Core.lock] is locked, else the screens. The navigation state outlives
 * the lock (and a process death: it is saved with the activity), so unlocking goes back to the
 * screen the agent was on; while locked, no screen is composed at all, so nothing personal is
 * on screen or in the accessibility tree behind the lock.
 */
@Composable
fun PerisaiApp(core: Core) {
    val nav = rememberNavController()
    val locked by produceState(core.lock.locked, core.lock) {
        val listener = LockGate.Listener { value = it }
        core.lock.listen(listener)
        value = core.lock.locked
        awaitDispose { core.lock.unlisten(listener) }
    }
    if (locked) {
        LockScreen(onUnlocked = core.lock::unlock)
    } else {
        PerisaiNavHost(nav)
    }
}

/** Every screen and how they lead to each other. */
@Composable
fun PerisaiNavHost(nav: NavHostController) {
    NavHost(navController = nav, startDestination = "home") {
        composable("activation") {
            ActivationScreen(resetPin = false, onDone = { nav.popBackStack() })
        }
        composable("home") {
            HomeScreen(
                onNewEnrollment = { nav.navigate("form") },
                onMyEnrollments = { nav.navigate("mine") },
                onParticipants = { nav.navigate("participants") },
                onCommission = { nav.navigate("commission") },
                onActivate = { nav.navigate("activation") },
            )
        }
        composable(
            "form?draft={draft}&fix={fix}",
            arguments = listOf(
                navArgument("draft") { type = NavType.StringType; nullable = true },
                navArgument("fix") { type = NavType.StringType; nullable = true },
            ),
        ) {
            EnrollmentFormScreen(
                onSubmitted = { id -> nav.navigate("receipt/$id") { popUpTo("home") } },
                onBack = { nav.popBackStack() },
            )
        }
        composable("receipt/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            ReceiptScreen(onCash = { nav.navigate("cash/$id") }, onDone = { nav.popBackStack("home", false) })
        }
        composable("cash/{id}") {
            CashScreen(onDone = { nav.popBackStack() })
        }
        composable("mine") {
            MyEnrollmentsScreen(
                onOpen = { id -> nav.navigate("detail/$id") },
                onOpenDraft = { id -> nav.navigate("form?draft=$id") },
                onBack = { nav.popBackStack() },
            )
        }
        composable("detail/{id}") { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            EnrollmentDetailScreen(
                onFix = { nav.navigate("form?fix=$id") },
                onReceipt = { nav.navigate("receipt/$id") },
                onBack = { nav.popBackStack() },
            )
        }
        composable("participants") {
            ParticipantsScreen(onCash = { id -> nav.navigate("cash/$id") }, onBack = { nav.popBackStack() })
        }
        composable("commission") { CommissionScreen(onBack = { nav.popBackStack() }) }
    }
}

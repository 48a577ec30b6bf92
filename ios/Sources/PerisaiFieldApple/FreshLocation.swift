// Core Location: one fix, asked for when the agent taps "Ambil lokasi sekarang". The screen
// (EnrollmentScreen) refuses a fix older than the request or too imprecise; this asks for the
// best accuracy and gives up after `timeout` seconds.

import CoreLocation
import Foundation
import PerisaiFieldKit

public final class FreshLocation: NSObject, LocationSource, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    private var waiting: [(Result<LocationFix, LocationProblem>) -> Void] = []
    private let timeout: TimeInterval

    public init(timeout: TimeInterval = 30) {
        self.timeout = timeout
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
    }

    public func requestFix(_ done: @escaping (Result<LocationFix, LocationProblem>) -> Void) {
        DispatchQueue.main.async { [self] in
            waiting.append(done)
            switch manager.authorizationStatus {
            case .denied, .restricted:
                finish(.failure(.denied))
            case .notDetermined:
                manager.requestWhenInUseAuthorization()
            default:
                manager.requestLocation()
            }
            DispatchQueue.main.asyncAfter(deadline: .now() + timeout) { [weak self] in
                self?.finish(.failure(.unavailable))
            }
        }
    }

    public func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        guard !waiting.isEmpty else { return }
        switch manager.authorizationStatus {
        case .denied, .restricted: finish(.failure(.denied))
        case .notDetermined: break
        default: manager.requestLocation()
        }
    }

    public func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let l = locations.last else { return }
        finish(.success(LocationFix(lat: l.coordinate.latitude, lon: l.coordinate.longitude,
                                    accuracyM: l.horizontalAccuracy, takenAt: l.timestamp)))
    }

    public func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        finish(.failure((error as? CLError)?.code == .denied ? .denied : .unavailable))
    }

    private func finish(_ result: Result<LocationFix, LocationProblem>) {
        let all = waiting
        waiting = []
        for done in all { done(result) }
    }
}

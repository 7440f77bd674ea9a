using System.Net;
using System.Net.Sockets;

namespace PlatformOps.Common
{
    /// <summary>The one way the module picks a free TCP port on 127.0.0.1 for a scratch server it starts.</summary>
    public static class LoopbackPort
    {
        /// <summary>A port that was free on 127.0.0.1 a moment ago (the OS chose it); the caller binds it at once.</summary>
        public static int Free()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                return ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            finally
            {
                listener.Stop();
            }
        }
    }
}
